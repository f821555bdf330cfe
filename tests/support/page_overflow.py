"""Opens a page in headless Chromium at each given width and prints, per width, the document's scroll width and
its viewport width as JSON, through the DevTools protocol over a pipe (no port, no network): whether the page
scrolls sideways. Usage: overflow.py CHROMIUM PAGE PROFILE_DIR WIDTH..."""
import json
import os
import subprocess
import sys
import time


def main():
    chromium, page, profile, *widths = sys.argv[1:]
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    def child_fds():
        # --remote-debugging-pipe reads commands on fd 3 and writes answers on fd 4, each ended by a NUL.
        os.dup2(to_chrome_r, 3)
        os.dup2(from_chrome_w, 4)
    proc = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                             "--disable-background-networking", "--disable-component-update", "--disable-sync",
                             "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND", "--remote-debugging-pipe",
                             f"--user-data-dir={profile}", "about:blank"],
                            preexec_fn=child_fds, pass_fds=(3, 4),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    out = os.fdopen(to_chrome_w, "wb", buffering=0)
    inp = os.fdopen(from_chrome_r, "rb", buffering=0)
    buffered = b""
    counter = [0]
    def call(method, params=None, session=None):
        nonlocal buffered
        counter[0] += 1
        message = {"id": counter[0], "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        out.write(json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in buffered:
                chunk = inp.read(65536)
                if not chunk:
                    raise SystemExit(f"chromium closed the pipe during {method}")
                buffered += chunk
            raw, buffered = buffered.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == counter[0]:
                if "error" in answer:
                    raise SystemExit(f"{method}: {answer['error']}")
                return answer["result"]
    try:
        target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        results = {}
        for width in widths:
            call("Emulation.setDeviceMetricsOverride", {"width": int(width), "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
            call("Page.navigate", {"url": "file://" + os.path.abspath(page)}, session)
            for _ in range(100):
                state = call("Runtime.evaluate", {"expression": "document.readyState", "returnByValue": True}, session)
                if state["result"].get("value") == "complete":
                    break
                time.sleep(0.05)
            measured = call("Runtime.evaluate", {"expression": "[document.documentElement.scrollWidth, document.documentElement.clientWidth]", "returnByValue": True}, session)
            results[width] = measured["result"]["value"]
        print(json.dumps(results))
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
