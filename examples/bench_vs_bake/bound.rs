//! The lower bound on time to green: no schedule beats the longest dependency path, nor the CPU
//! work spread over every core.

use std::collections::BTreeMap;

/// One cell as measured building alone: its id, its duration in seconds, and the cells it
/// waits for.
#[derive(Debug, Clone)]
pub struct Alone {
    pub id: String,
    pub secs: f64,
    pub deps: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    pub critical_path: f64,
    pub cpu_over_cores: f64,
}

impl Bound {
    pub fn secs(&self) -> f64 {
        self.critical_path.max(self.cpu_over_cores)
    }
}

/// Each cell's time alone stands for its CPU time: the cells are single-threaded busy loops
/// (or, for ai-infra, mostly one compiler or installer at a time), so a cell alone keeps about
/// one core busy for its whole duration.
pub fn lower_bound(cells: &[Alone], cores: usize) -> Bound {
    let by_id: BTreeMap<&str, &Alone> = cells.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut memo: BTreeMap<&str, f64> = BTreeMap::new();
    fn finish<'a>(
        id: &'a str,
        by_id: &BTreeMap<&'a str, &'a Alone>,
        memo: &mut BTreeMap<&'a str, f64>,
    ) -> f64 {
        if let Some(&t) = memo.get(id) {
            return t;
        }
        let Some(cell) = by_id.get(id) else {
            return 0.0;
        };
        let start = cell
            .deps
            .iter()
            .map(|d| finish(d, by_id, memo))
            .fold(0.0, f64::max);
        let t = start + cell.secs;
        memo.insert(id, t);
        t
    }
    let critical_path = cells
        .iter()
        .map(|c| finish(&c.id, &by_id, &mut memo))
        .fold(0.0, f64::max);
    let cpu: f64 = cells.iter().map(|c| c.secs).sum();
    Bound {
        critical_path,
        cpu_over_cores: cpu / cores.max(1) as f64,
    }
}

pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => xs[n / 2],
        _ => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}
