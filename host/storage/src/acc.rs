//! Running aggregates of samples (count, sum, mean, squared deviations,
//! extremes, first and last time): what a rollup cell holds, and what
//! statistics merge. Two combine as in Chan et al.'s pairwise update:
//! counts, sums and extremes add up, means and squared deviations from the
//! mean merge.

use crate::db::Numbers;
use crate::error::Result;

/// Running aggregates of some samples. Empty when `n` is 0.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Acc {
    pub n: i64,
    pub total: f64,
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
    pub min: f64,
    pub max: f64,
    /// First and last sample time.
    pub first: i64,
    pub last: i64,
}

impl Acc {
    /// From eight columns of `row`, from `at` on: count, sum, mean, squared
    /// deviations, minimum, maximum, first and last time.
    pub(crate) fn from_row(row: &dyn Numbers, at: usize) -> Result<Acc> {
        Ok(Acc {
            n: row.int(at)?,
            total: row.float(at + 1)?,
            mean: row.float(at + 2)?,
            m2: row.float(at + 3)?,
            min: row.float(at + 4)?,
            max: row.float(at + 5)?,
            first: row.int(at + 6)?,
            last: row.int(at + 7)?,
        })
    }

    /// Merges `p` into this.
    pub(crate) fn add(&mut self, p: &Acc) {
        if p.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *p;
            return;
        }
        let n = self.n + p.n;
        let delta = p.mean - self.mean;
        let (na, nb, nn) = (self.n as f64, p.n as f64, n as f64);
        self.mean += delta * nb / nn;
        self.m2 += p.m2 + delta * delta * na * nb / nn;
        self.n = n;
        self.total += p.total;
        self.min = self.min.min(p.min);
        self.max = self.max.max(p.max);
        self.first = self.first.min(p.first);
        self.last = self.last.max(p.last);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A part of `values` taken at times `first..`, one a second.
    pub(crate) fn part_of(values: &[f64], first: i64) -> Acc {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        Acc {
            n: values.len() as i64,
            total: values.iter().sum(),
            mean,
            m2: values.iter().map(|v| (v - mean) * (v - mean)).sum(),
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            first,
            last: first + values.len() as i64 - 1,
        }
    }

    pub(crate) fn assert_same(got: &Acc, want: &Acc) {
        assert_eq!(got.n, want.n);
        assert_eq!((got.min, got.max), (want.min, want.max));
        assert_eq!((got.first, got.last), (want.first, want.last));
        for (a, b) in [
            (got.total, want.total),
            (got.mean, want.mean),
            (got.m2, want.m2),
        ] {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }

    #[test]
    fn merged_parts_equal_the_whole_computed_at_once() {
        let groups: [&[f64]; 4] = [&[1.0, 2.0, 4.0], &[10.0, 11.0], &[7.0], &[-3.5, 0.25]];
        let mut run = Acc::default();
        let mut at = 100;
        for g in groups {
            run.add(&part_of(g, at));
            run.add(&Acc::default());
            at += g.len() as i64;
        }
        assert_same(&run, &part_of(&groups.concat(), 100));
        // Into an empty one, a part is taken as it is (not merged with
        // the empty one's zeros).
        let mut one = Acc::default();
        one.add(&part_of(&[-2.0], 5));
        assert_same(&one, &part_of(&[-2.0], 5));
    }
}
