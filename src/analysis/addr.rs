//! Sets of IPv4 addresses and port ranges as sorted inclusive intervals.
//!
//! Flows have ranges at both ends (an ENI may sit anywhere in its subnet, a client port anywhere in the
//! ephemeral range), so "is this allowed" means "is every address and port in the range allowed".

use std::fmt;

use ipnet::Ipv4Net;

/// A set of IPv4 addresses as sorted, disjoint, inclusive intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddrSet {
    intervals: Vec<(u32, u32)>,
}

impl AddrSet {
    pub fn empty() -> Self {
        Self::default()
    }

    pub fn from_net(net: Ipv4Net) -> Self {
        Self { intervals: vec![net_bounds(net)] }
    }

    pub fn from_nets<'a>(nets: impl IntoIterator<Item = &'a Ipv4Net>) -> Self {
        let mut set = Self::empty();
        for net in nets {
            set.insert(net_bounds(*net));
        }
        set
    }

    /// Public address space: everything but the VPC's own CIDRs and the RFC 1918 ranges.
    pub fn internet(vpc_cidrs: &[Ipv4Net]) -> Self {
        let mut excluded = Self::from_nets(vpc_cidrs);
        for private in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] {
            if let Ok(net) = private.parse::<Ipv4Net>() {
                excluded.insert(net_bounds(net));
            }
        }
        Self { intervals: vec![(0, u32::MAX)] }.subtract(&excluded)
    }

    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    pub fn insert(&mut self, (lo, hi): (u32, u32)) {
        self.intervals.push((lo, hi));
        self.intervals.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.intervals.len());
        for &(lo, hi) in &self.intervals {
            match merged.last_mut() {
                Some(last) if u64::from(lo) <= u64::from(last.1) + 1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        self.intervals = merged;
    }

    pub fn union(&self, other: &Self) -> Self {
        let mut out = self.clone();
        for &interval in &other.intervals {
            out.insert(interval);
        }
        out
    }

    pub fn subtract(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        for &(mut lo, hi) in &self.intervals {
            let mut alive = true;
            for &(olo, ohi) in &other.intervals {
                if ohi < lo || olo > hi {
                    continue;
                }
                if olo > lo {
                    out.push((lo, olo - 1));
                }
                if ohi >= hi {
                    alive = false;
                    break;
                }
                lo = ohi + 1;
            }
            if alive {
                out.push((lo, hi));
            }
        }
        Self { intervals: out }
    }

    pub fn intersects(&self, other: &Self) -> bool {
        self.intervals.iter().any(|&(lo, hi)| other.intervals.iter().any(|&(olo, ohi)| lo <= ohi && olo <= hi))
    }

    /// Every address of `other` is in `self`.
    pub fn covers(&self, other: &Self) -> bool {
        other.subtract(self).is_empty()
    }

    /// The one CIDR the set is, if it is one (a subnet, the whole space); None for anything else.
    pub fn as_cidr(&self) -> Option<Ipv4Net> {
        let [(lo, hi)] = self.intervals.as_slice() else { return None };
        let size = u64::from(hi - lo) + 1;
        if !size.is_power_of_two() || u64::from(*lo) % size != 0 {
            return None;
        }
        let prefix = 32 - u8::try_from(size.trailing_zeros()).ok()?;
        Ipv4Net::new(std::net::Ipv4Addr::from(*lo), prefix).ok()
    }
}

impl fmt::Display for AddrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .intervals
            .iter()
            .map(|&(lo, hi)| {
                let (start, end) = (std::net::Ipv4Addr::from(lo), std::net::Ipv4Addr::from(hi));
                match (hi - lo).checked_add(1).map(u32::is_power_of_two) {
                    Some(true) if lo & (hi - lo) == 0 => format!("{start}/{}", 32 - (hi - lo + 1).trailing_zeros()),
                    None if lo == 0 => "0.0.0.0/0".to_string(),
                    _ => format!("{start}-{end}"),
                }
            })
            .collect();
        write!(f, "{}", parts.join(", "))
    }
}

pub fn net_bounds(net: Ipv4Net) -> (u32, u32) {
    (u32::from(net.network()), u32::from(net.broadcast()))
}

/// An inclusive range of TCP/UDP ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    pub from: u16,
    pub to: u16,
}

impl Ports {
    pub const ALL: Ports = Ports { from: 0, to: 65535 };
    /// Where clients and NAT gateways pick their source ports; return traffic targets this range.
    pub const EPHEMERAL: Ports = Ports { from: 1024, to: 65535 };

    pub const fn single(port: u16) -> Self {
        Ports { from: port, to: port }
    }

    /// From an AWS (from, to) pair; `None` or -1 means every port.
    pub fn from_aws(from: Option<i32>, to: Option<i32>) -> Self {
        match (from, to) {
            (Some(from), Some(to)) if from >= 0 && to >= 0 => Ports { from: clamp_port(from), to: clamp_port(to) },
            _ => Ports::ALL,
        }
    }

    pub fn contains(&self, other: Ports) -> bool {
        self.from <= other.from && other.to <= self.to
    }

    pub fn overlaps(&self, other: Ports) -> bool {
        self.from <= other.to && other.from <= self.to
    }
}

fn clamp_port(port: i32) -> u16 {
    u16::try_from(port.clamp(0, 65535)).unwrap_or(u16::MAX)
}

impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Ports::ALL {
            write!(f, "all ports")
        } else if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cidr_or_none() {
        assert_eq!(set(&["10.0.1.0/24"]).as_cidr().map(|c| c.to_string()).as_deref(), Some("10.0.1.0/24"));
        assert_eq!(set(&["0.0.0.0/0"]).as_cidr().map(|c| c.to_string()).as_deref(), Some("0.0.0.0/0"));
        assert_eq!(set(&["10.0.1.0/24", "10.0.3.0/24"]).as_cidr(), None);
        assert_eq!(set(&["10.0.1.0/24", "10.0.2.0/24"]).as_cidr(), None, "two /24s that are no /23");
        assert_eq!(set(&["10.0.2.0/24", "10.0.3.0/24"]).as_cidr().map(|c| c.to_string()).as_deref(), Some("10.0.2.0/23"));
    }

    fn set(cidrs: &[&str]) -> AddrSet {
        let nets: Vec<Ipv4Net> = cidrs.iter().map(|c| c.parse().expect("test CIDR")).collect();
        AddrSet::from_nets(&nets)
    }

    #[test]
    fn subtract_splits_and_covers() {
        let vpc = set(&["10.0.0.0/16"]);
        let rest = vpc.subtract(&set(&["10.0.1.0/24"]));
        assert_eq!(rest.to_string(), "10.0.0.0/24, 10.0.2.0-10.0.255.255");
        assert!(!rest.covers(&set(&["10.0.1.5/32"])));
        assert!(vpc.covers(&set(&["10.0.1.0/24", "10.0.200.0/24"])));
        assert!(set(&["10.0.0.0/17", "10.0.128.0/17"]).covers(&vpc));
    }

    #[test]
    fn internet_excludes_private_ranges() {
        let net = AddrSet::internet(&[]);
        assert!(!net.intersects(&set(&["10.1.2.0/24"])));
        assert!(!net.intersects(&set(&["192.168.0.0/24"])));
        assert!(net.covers(&set(&["52.216.0.0/15"])));
        assert_eq!(AddrSet::from_nets(&["0.0.0.0/0".parse().expect("cidr")]).to_string(), "0.0.0.0/0");
    }

    #[test]
    fn ports_from_aws() {
        assert_eq!(Ports::from_aws(Some(-1), Some(-1)), Ports::ALL);
        assert_eq!(Ports::from_aws(None, None), Ports::ALL);
        assert_eq!(Ports::from_aws(Some(443), Some(443)), Ports::single(443));
        assert!(Ports::EPHEMERAL.contains(Ports { from: 2000, to: 3000 }));
        assert!(!Ports::single(443).overlaps(Ports::EPHEMERAL));
    }
}
