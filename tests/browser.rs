//! The HTML report in a real browser: headless Chromium (Debian's package; `.ci/run` installs it) renders
//! the reference and a failing fixture to PNG screenshots under target/browser/, and the tests read the
//! DOM it built (`--dump-dom`) and its network log. Chromium's name resolution is mapped to nothing, so
//! not even the browser's own background requests leave the machine.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The viewport: a laptop screen. What is broken must show inside it, without scrolling.
const WIDTH: u32 = 1400;
const HEIGHT: u32 = 900;

fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        path.exists(),
        "{} not found: these tests need Debian's chromium package (apt-get install chromium; .ci/run installs it), or CHROMIUM=PATH",
        path.display()
    );
    path
}

fn scratch() -> PathBuf {
    let dir = support::root().join("target/browser");
    std::fs::create_dir_all(&dir).expect("target/browser");
    dir
}

/// The fixture case's HTML report, written to target/browser/NAME.html.
fn report(case: &str, name: &str) -> PathBuf {
    let (output, html) = support::case_output(case, "html", &[]);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{case}: {}", support::stderr(&output));
    let path = scratch().join(format!("{name}.html"));
    std::fs::write(&path, html).expect("write the report");
    path
}

/// One headless Chromium run over `page`, in a fresh profile, with no name resolution at all.
fn chromium_run(page: &Path, name: &str, what: &[String]) -> std::process::Output {
    let profile = scratch().join(format!("profile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--window-size={WIDTH},{HEIGHT}"),
        ])
        .args(what)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(output.status.success(), "chromium failed on {}: {}", page.display(), support::stderr(&output));
    output
}

/// The DOM after the page loaded, and every request the page itself started (the browser's own requests
/// carry no page origin: "not an origin" in the net log).
fn browse(page: &Path, name: &str) -> (String, Vec<String>) {
    let log = scratch().join(format!("{name}.netlog.json"));
    let output = chromium_run(page, name, &["--dump-dom".to_string(), format!("--log-net-log={}", log.display())]);
    let dom = support::stdout(&output);
    let text = std::fs::read_to_string(&log).expect("chromium wrote its net log");
    let netlog: Value = serde_json::from_str(&text).expect("the net log is JSON");
    let start_job = netlog["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].as_i64().expect("event type");
    let requests = netlog["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"].as_i64() == Some(start_job))
        .filter(|e| e["params"]["url"].is_string() && e["params"]["initiator"].as_str() != Some("not an origin"))
        .map(|e| e["params"]["url"].as_str().unwrap_or_default().to_string())
        .collect();
    (dom, requests)
}

/// The fixture case's HTML report opened in the browser: the page and its DOM, after holding that the page
/// made no request.
fn open_report(case: &str, name: &str) -> (PathBuf, String) {
    let page = report(case, name);
    let (dom, requests) = browse(&page, name);
    assert!(requests.is_empty(), "the report made requests: {requests:?}");
    (page, dom)
}

/// A screenshot of the first screen of the page, and how many of its pixels are the failing flows' vermillion.
fn screenshot(page: &Path, name: &str) -> (PathBuf, usize) {
    let png = scratch().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&png);
    chromium_run(page, name, &[format!("--screenshot={}", png.display())]);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).expect("screenshot written")));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    assert_eq!((info.width, info.height), (WIDTH, HEIGHT), "the screenshot is one screen");
    let channels = info.color_type.samples();
    // The failing edges' vermillion (#d55e00, 213/94/0), with anti-aliasing.
    let red = pixels[..info.buffer_size()].chunks(channels).filter(|p| p[0] > 185 && (65..125).contains(&p[1]) && p[2] < 50).count();
    (png, red)
}

#[test]
fn failing_private_fixture_shows_the_broken_endpoint_on_the_first_screen() {
    let (page, dom) = open_report("VPCE005/fail_endpoint_sg_without_ingress", "vpce005");
    assert!(dom.contains("VPCE005 endpoint-sg-ingress on vpce-0a0a0004"), "the finding is listed: {dom}");
    assert!(dom.contains("aws ec2 authorize-security-group-ingress --group-id sg-3e3e3e3e"), "its remediation is shown");
    // The page's own script ran under its Content-Security-Policy (admitted by hash, not 'unsafe-inline').
    assert!(dom.contains("<html lang=\"en\" class=\"scripted\">"), "the script did not run: {:.300}", dom);
    assert!(!dom.contains("unsafe-inline'; form") && dom.contains("script-src 'sha256-"), "the script is admitted by hash");
    // The failing flows are red edges to the KMS endpoint, one from each subnet (the same block at both of
    // its ENIs is one edge), labelled with the blocking hop; the nine endpoints that work are one bundle.
    assert_eq!(dom.matches("class=\"edge blocked\" data-from=\"subnet-").count(), 2, "one red edge per failing flow");
    assert!(dom.contains("data-to=\"vpce-0a0a0004\""), "the red edges end at the KMS endpoint");
    assert!(dom.contains("sg-3e3e3e3e: no rule matches"), "labelled with the blocking hop");
    assert!(dom.contains("9 endpoints, all reachable"), "what passes is bundled");
    // Finding and picture link both ways.
    assert!(dom.contains("href=\"#node-vpce-0a0a0004\""), "the finding links to its element");
    assert!(dom.contains("<a href=\"#finding-0\" id=\"node-vpce-0a0a0004\""), "the element links back");
    // The picture scales to the page (its viewBox kept): on a phone it shrinks instead of scrolling sideways.
    assert!(dom.contains(".picture svg { max-width: 100%; height: auto; }") && dom.contains("viewBox=\"0 0 "), "the picture scales");
    let (png, red) = screenshot(&page, "vpce005");
    assert!(red > 2_000, "the failing edges are visible without scrolling ({red} red pixels in {})", png.display());
}

#[test]
fn reference_fixture_shows_no_failure() {
    let (page, dom) = open_report("VPCE004/pass_both_azs", "reference");
    assert!(dom.contains("0 error(s)"), "the summary: {dom}");
    assert!(!dom.contains("edge blocked"), "no failing edge");
    assert!(dom.contains("10 endpoints, all reachable"), "the endpoints are one bundle");
    let (png, red) = screenshot(&page, "reference");
    assert!(red < 50, "nothing red on a passing network ({red} red pixels in {})", png.display());
}

/// The detector of a script that did not run: a page whose script the policy does not admit stays unmarked.
#[test]
fn a_script_outside_the_policy_does_not_run() {
    let (_, html) = support::case_output("VPCE004/pass_both_azs", "html", &[]);
    let tampered =
        html.replacen("document.documentElement.classList.add('scripted');", "document.documentElement.classList.add('scripted'); ", 1);
    assert_ne!(tampered, html, "the script is in the page");
    let page = scratch().join("tampered.html");
    std::fs::write(&page, tampered).expect("write");
    let (dom, _) = browse(&page, "tampered");
    assert!(!dom.contains("class=\"scripted\""), "a script whose hash differs ran");
}

/// The request detector itself: a page that loads an image from loopback is caught.
#[test]
fn a_page_that_fetches_is_caught() {
    let page = scratch().join("fetches.html");
    std::fs::write(&page, "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/pixel.png\"></body></html>").expect("write");
    let (_, requests) = browse(&page, "fetches");
    assert_eq!(requests, ["http://127.0.0.1:9/pixel.png"]);
}

/// Neither report page scrolls sideways, at 1,280 px nor on a 390 px phone: the picture scales to the page and
/// long names wrap (measured in the browser through the DevTools protocol: scroll width against viewport width).
#[test]
fn pages_never_scroll_sideways_at_1280_or_390_pixels() {
    for (case, name) in [("VPCE005/fail_endpoint_sg_without_ingress", "widths-vpce005"), ("ACL001/fail_ingress_443_only", "widths-acl001")]
    {
        let page = report(case, name);
        let profile = scratch().join(format!("profile-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        let output = Command::new("python3")
            .arg(support::root().join("tests/support/page_overflow.py"))
            .arg(chromium())
            .arg(&page)
            .arg(&profile)
            .args(["1280", "390"])
            .output()
            .expect("python3 runs");
        let _ = std::fs::remove_dir_all(&profile);
        assert!(output.status.success(), "{}", support::stderr(&output));
        let measured: Value = serde_json::from_slice(&output.stdout).expect("widths as JSON");
        for width in ["1280", "390"] {
            let (scroll, client) = (measured[width][0].as_i64().expect("scroll width"), measured[width][1].as_i64().expect("client width"));
            assert!(client > 300 && scroll <= client, "{case} at {width} px scrolls sideways: {scroll} > {client}");
        }
    }
}
