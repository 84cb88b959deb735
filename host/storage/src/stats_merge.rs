//! The merge behind `stats_cells.rs`, in memory bounded by the periods
//! open at once: parts (rollup cells and samples) of sources (a meter and
//! resource row pair each) come in for any period; a period whose parts
//! have all come in goes out as one aggregate per slot (a unit and group
//! values), slots in rank order (the order of their unit and values).
//! Parts combine as [`Acc::add`] says.

use std::collections::VecDeque;

use crate::acc::Acc;
use crate::error::{Error, Result};

/// A slot not known yet.
const UNKNOWN: u32 = u32::MAX;

/// A period's parts longer than this and than twice the sources are
/// merged by source (one period for all keeps a part per source, not
/// one per page).
const COMPACT_AT: usize = 4096;

/// Parts waiting for their periods to end, and what each source and slot
/// is. See the module documentation.
///
/// A period's parts are kept as they come, in a list of its own: a page's
/// cells go to consecutive periods, so adding is appending, and memory is
/// the parts held, whatever the number of sources. When a period goes
/// out, its parts are merged per slot in a vector as long as the slots.
#[derive(Default)]
pub(crate) struct Merge {
    /// The parts `(source, part)` of each open period from `base` on.
    base: i64,
    open: VecDeque<Vec<(u32, Acc)>>,
    /// Emptied part lists, for the next periods.
    spare: Vec<Vec<(u32, Acc)>>,
    /// One more than the highest source number added.
    sources: usize,
    /// Sample parts `(period, source, part)` in period order, and how many
    /// have been merged.
    samples: Vec<(i64, u32, Acc)>,
    next_sample: usize,
    /// Per source, its slot.
    slot_of: Vec<u32>,
    /// Per slot, its rank; and the slots in rank order.
    rank: Vec<u32>,
    by_rank: Vec<u32>,
    /// While a period goes out: per slot its aggregates, and the slots
    /// that have some.
    slot_acc: Vec<Acc>,
    present: Vec<u32>,
}

impl Merge {
    /// Adds a part of `source` to `period`.
    pub(crate) fn add(&mut self, period: i64, source: u32, part: &Acc) {
        if self.open.is_empty() {
            self.base = period;
        }
        while period < self.base {
            // Before every open period (not met in time order; kept apart
            // all the same).
            let list = self.spare.pop().unwrap_or_default();
            self.open.push_front(list);
            self.base -= 1;
        }
        let at = usize::try_from(period - self.base).unwrap_or(usize::MAX);
        while self.open.len() <= at {
            let list = self.spare.pop().unwrap_or_default();
            self.open.push_back(list);
        }
        self.sources = self.sources.max(source as usize + 1);
        let list = &mut self.open[at];
        list.push((source, *part));
        if list.len() > COMPACT_AT && list.len() > 2 * self.sources {
            compact(list);
        }
    }

    /// The sample parts, `(period, source, part)`, in any order (taken
    /// once, before periods go out).
    pub(crate) fn set_samples(&mut self, mut samples: Vec<(i64, u32, Acc)>) {
        samples.sort_by_key(|s| s.0);
        self.samples = samples;
        self.next_sample = 0;
    }

    /// Says that `source` belongs to `slot`.
    pub(crate) fn assign(&mut self, source: u32, slot: u32) {
        let at = source as usize;
        if self.slot_of.len() <= at {
            self.slot_of.resize(at + 1, UNKNOWN);
        }
        self.slot_of[at] = slot;
    }

    /// The slots in rank order (every slot, each once).
    pub(crate) fn set_ranks(&mut self, by_rank: Vec<u32>) {
        self.rank = vec![0; by_rank.len()];
        for (r, &slot) in by_rank.iter().enumerate() {
            self.rank[slot as usize] = r as u32;
        }
        self.by_rank = by_rank;
        self.slot_acc.resize(self.rank.len(), Acc::default());
    }

    /// The first period with parts still held (open or of samples).
    fn next_period(&mut self) -> Option<i64> {
        while self.open.front().is_some_and(Vec::is_empty) {
            if let Some(list) = self.open.pop_front() {
                self.spare.push(list);
            }
            self.base += 1;
        }
        let open = (!self.open.is_empty()).then_some(self.base);
        let sample = self.samples.get(self.next_sample).map(|s| s.0);
        match (open, sample) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Sends out the first period held if it is before `period` (any
    /// with `None`), each slot's aggregates in rank order; returns whether
    /// there was one. Periods go out in order.
    pub(crate) fn emit_next(
        &mut self,
        period: Option<i64>,
        emit: &mut impl FnMut(i64, u32, &Acc) -> Result<()>,
    ) -> Result<bool> {
        match self.next_period() {
            Some(p) if period.is_none_or(|end| p < end) => {
                self.emit_period(p, emit)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn emit_period(
        &mut self,
        p: i64,
        emit: &mut impl FnMut(i64, u32, &Acc) -> Result<()>,
    ) -> Result<()> {
        let mut parts = if !self.open.is_empty() && self.base == p {
            self.base += 1;
            self.open.pop_front().unwrap_or_default()
        } else {
            self.spare.pop().unwrap_or_default()
        };
        while let Some(&(period, source, part)) = self.samples.get(self.next_sample) {
            if period != p {
                break;
            }
            parts.push((source, part));
            self.next_sample += 1;
        }
        let mut result = Ok(());
        for (source, part) in &parts {
            let slot = self
                .slot_of
                .get(*source as usize)
                .copied()
                .unwrap_or(UNKNOWN);
            let Some(acc) = self.slot_acc.get_mut(slot as usize) else {
                result = Err(Error::Database(format!(
                    "statistics: source {source} has no group"
                )));
                break;
            };
            if acc.n == 0 {
                self.present.push(slot);
            }
            acc.add(part);
        }
        // Few slots of many: sort those; most of them: walk all in order.
        if self.present.len() * 8 < self.by_rank.len() {
            let rank = &self.rank;
            self.present.sort_unstable_by_key(|&s| rank[s as usize]);
        } else {
            let slot_acc = &self.slot_acc;
            self.present.clear();
            self.present.extend(
                self.by_rank
                    .iter()
                    .copied()
                    .filter(|&s| slot_acc[s as usize].n > 0),
            );
        }
        for &slot in &self.present {
            let acc = std::mem::take(&mut self.slot_acc[slot as usize]);
            if result.is_ok() {
                result = emit(p, slot, &acc);
            }
        }
        self.present.clear();
        parts.clear();
        self.spare.push(parts);
        result
    }
}

/// Merges the parts of each source into one.
fn compact(list: &mut Vec<(u32, Acc)>) {
    list.sort_by_key(|&(source, _)| source);
    let mut kept = 0;
    for i in 0..list.len() {
        let (source, part) = list[i];
        if kept > 0 && list[kept - 1].0 == source {
            list[kept - 1].1.add(&part);
        } else {
            list[kept] = (source, part);
            kept += 1;
        }
    }
    list.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acc::tests::{assert_same, part_of};

    /// Every emitted `(period, slot, part)`.
    fn drain(m: &mut Merge, before: Option<i64>) -> Vec<(i64, u32, Acc)> {
        let mut out = Vec::new();
        while m
            .emit_next(before, &mut |p, s, a| {
                out.push((p, s, *a));
                Ok(())
            })
            .unwrap()
        {}
        out
    }

    #[test]
    fn periods_go_out_in_order_with_slots_by_rank_and_sources_merged() {
        let mut m = Merge::default();
        // Sources 0 and 2 are slot 1, source 1 is slot 0; slot 1 ranks first.
        for (source, slot) in [(0, 1), (1, 0), (2, 1)] {
            m.assign(source, slot);
        }
        m.set_ranks(vec![1, 0]);
        m.add(5, 1, &part_of(&[1.0], 0));
        m.add(3, 2, &part_of(&[2.0], 10));
        m.add(3, 0, &part_of(&[4.0], 20));
        m.add(5, 0, &part_of(&[8.0], 30));
        m.set_samples(vec![
            (7, 1, part_of(&[16.0], 40)),
            (3, 1, part_of(&[32.0], 50)),
        ]);
        // Nothing before period 3; period 3 and 5 before 6.
        assert!(drain(&mut m, Some(3)).is_empty());
        let out = drain(&mut m, Some(6));
        let keys: Vec<(i64, u32, i64)> = out.iter().map(|(p, s, a)| (*p, *s, a.n)).collect();
        assert_eq!(keys, [(3, 1, 2), (3, 0, 1), (5, 1, 1), (5, 0, 1)]);
        assert_same(&out[0].2, &part_of(&[2.0, 4.0], 10).with_last(20));
        assert_same(&out[1].2, &part_of(&[32.0], 50));
        // A period opened again after it went out comes out again, later.
        m.add(5, 2, &part_of(&[64.0], 60));
        let rest: Vec<(i64, u32)> = drain(&mut m, None).iter().map(|o| (o.0, o.1)).collect();
        assert_eq!(rest, [(5, 1), (7, 0)]);
        assert!(drain(&mut m, None).is_empty());
    }

    #[test]
    fn many_slots_with_few_present_are_sorted_and_a_source_without_slot_is_an_error() {
        let mut m = Merge::default();
        let slots = 100u32;
        for s in 0..slots {
            m.assign(s, s);
        }
        // Rank is the reverse of the slot number.
        m.set_ranks((0..slots).rev().collect());
        for s in [3u32, 70, 41] {
            m.add(0, s, &part_of(&[1.0], 0));
        }
        let order: Vec<u32> = drain(&mut m, None).iter().map(|o| o.1).collect();
        assert_eq!(order, [70, 41, 3]);
        m.add(1, 500, &part_of(&[1.0], 0));
        let err = m.emit_next(None, &mut |_, _, _| Ok(())).unwrap_err();
        assert!(err.to_string().contains("source 500"), "{err}");
    }

    #[test]
    fn many_sources_met_before_their_slots_are_known_are_not_compacted_each_time() {
        // 10,000 sources, a part each, twice over, before any slot is
        // assigned (as a read adds parts before it looks the slots up):
        // the list compacts when it holds twice the sources, not at every
        // part past the threshold.
        let mut m = Merge::default();
        let sources = 10_000u32;
        for round in 0..2 {
            for s in 0..sources {
                m.add(0, s, &part_of(&[f64::from(s + round)], 0));
            }
        }
        assert_eq!(m.open[0].len(), 2 * sources as usize, "not compacted yet");
        m.add(0, 0, &part_of(&[1.0], 0));
        assert_eq!(m.open[0].len(), sources as usize, "compacted by source");
        for s in 0..sources {
            m.assign(s, s);
        }
        m.set_ranks((0..sources).collect());
        let out = drain(&mut m, None);
        assert_eq!(out.len(), sources as usize);
        assert_eq!(
            out.iter().map(|o| o.2.n).sum::<i64>(),
            2 * i64::from(sources) + 1
        );
    }

    #[test]
    fn a_long_list_of_few_sources_is_merged_by_source() {
        let mut m = Merge::default();
        for s in 0..3 {
            m.assign(s, s);
        }
        m.set_ranks(vec![0, 1, 2]);
        let mut want = [Acc::default(); 3];
        for i in 0..3 * COMPACT_AT {
            let part = part_of(&[(i % 17) as f64], i as i64);
            let source = (i * 7 % 3) as u32;
            m.add(0, source, &part);
            want[source as usize].add(&part);
        }
        assert!(m.open[0].len() <= COMPACT_AT + 1, "{}", m.open[0].len());
        let out = drain(&mut m, None);
        assert_eq!(out.len(), 3);
        for (got, want) in out.iter().zip(&want) {
            assert_same(&got.2, want);
        }
    }

    impl Acc {
        fn with_last(mut self, last: i64) -> Acc {
            self.last = last;
            self
        }
    }
}
