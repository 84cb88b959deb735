//! An LALR(1) table builder resolving conflicts exactly as PLY's `yacc` does:
//! a shift/reduce conflict reduces when the rule binds tighter than the
//! lookahead token (or as tight and left-associative), errors when as tight
//! and non-associative, and shifts otherwise; a reduce/reduce conflict goes to
//! the earlier rule. The tables are built once, on first use.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::OnceLock;

use crate::grammar::{
    Assoc, NONTERMINALS, PRODUCTIONS, Sym, nonterminal_index, precedence, production_precedence,
};
use crate::lexer::{TERMINALS, Tok};

/// What the parser does in a state on a lookahead token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// A syntax error.
    Error,
    /// Push the token and go to the state.
    Shift(u16),
    /// Reduce by the production.
    Reduce(u8),
    /// The input is a complete expression.
    Accept,
}

/// The parse tables.
pub(crate) struct Tables {
    /// `action[state][terminal]`.
    pub(crate) action: Vec<[Action; TERMINALS]>,
    /// `goto[state][nonterminal]`, `u16::MAX` where undefined.
    pub(crate) goto: Vec<[u16; NONTERMINALS]>,
    /// Conflicts PLY reports as "resolved as shift" / "resolved as reduce"
    /// (those decided without a declared precedence on the rule).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) reported_conflicts: (usize, usize),
    /// Reduce/reduce conflicts.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) reduce_reduce: usize,
}

/// The tables for [`PRODUCTIONS`].
pub(crate) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build)
}

/// A set of terminals.
type Lookahead = u32;

/// An LR item: production and dot position.
type Core = (u8, u8);

struct First {
    nullable: [bool; NONTERMINALS],
    first: [Lookahead; NONTERMINALS],
}

impl First {
    fn compute() -> First {
        let mut f = First {
            nullable: [false; NONTERMINALS],
            first: [0; NONTERMINALS],
        };
        let mut changed = true;
        while changed {
            changed = false;
            for prod in &PRODUCTIONS {
                let lhs = prod.lhs as usize;
                let (set, nullable) = f.of_sequence(prod.rhs);
                if f.first[lhs] | set != f.first[lhs] {
                    f.first[lhs] |= set;
                    changed = true;
                }
                if nullable && !f.nullable[lhs] {
                    f.nullable[lhs] = true;
                    changed = true;
                }
            }
        }
        f
    }

    /// FIRST of a symbol sequence, and whether it derives the empty string.
    fn of_sequence(&self, syms: &[Sym]) -> (Lookahead, bool) {
        let mut set = 0;
        for &s in syms {
            match nonterminal_index(s) {
                None => return (set | 1 << s, false),
                Some(nt) => {
                    set |= self.first[nt];
                    if !self.nullable[nt] {
                        return (set, false);
                    }
                }
            }
        }
        (set, true)
    }
}

fn closure(first: &First, kernel: &BTreeMap<Core, Lookahead>) -> BTreeMap<Core, Lookahead> {
    let mut items = kernel.clone();
    let mut queue: VecDeque<Core> = items.keys().copied().collect();
    while let Some(core) = queue.pop_front() {
        let la = items[&core];
        let rhs = PRODUCTIONS[core.0 as usize].rhs;
        let Some(nt) = rhs.get(core.1 as usize).and_then(|&s| nonterminal_index(s)) else {
            continue;
        };
        let (mut follow, nullable) = first.of_sequence(&rhs[core.1 as usize + 1..]);
        if nullable {
            follow |= la;
        }
        for (i, prod) in PRODUCTIONS.iter().enumerate() {
            if prod.lhs as usize != nt {
                continue;
            }
            let key = (i as u8, 0);
            match items.get_mut(&key) {
                None => {
                    items.insert(key, follow);
                    queue.push_back(key);
                }
                Some(entry) if *entry | follow != *entry => {
                    *entry |= follow;
                    queue.push_back(key);
                }
                Some(_) => {}
            }
        }
    }
    items
}

fn build() -> Tables {
    let first = First::compute();
    let mut kernels: Vec<BTreeMap<Core, Lookahead>> =
        vec![BTreeMap::from([((0, 0), 1 << Tok::End as u32)])];
    let mut index: HashMap<Vec<Core>, usize> = HashMap::from([(vec![(0, 0)], 0)]);
    let mut gotos: Vec<BTreeMap<Sym, usize>> = vec![BTreeMap::new()];
    let mut queue = VecDeque::from([0usize]);
    while let Some(state) = queue.pop_front() {
        let items = closure(&first, &kernels[state]);
        let mut by_symbol: BTreeMap<Sym, BTreeMap<Core, Lookahead>> = BTreeMap::new();
        for (&(prod, dot), &la) in &items {
            if let Some(&sym) = PRODUCTIONS[prod as usize].rhs.get(dot as usize) {
                *by_symbol
                    .entry(sym)
                    .or_default()
                    .entry((prod, dot + 1))
                    .or_insert(0) |= la;
            }
        }
        for (sym, kernel) in by_symbol {
            let core: Vec<Core> = kernel.keys().copied().collect();
            let target = match index.get(&core) {
                Some(&target) => {
                    let mut changed = false;
                    for (item, la) in kernel {
                        let entry = kernels[target].entry(item).or_insert(0);
                        if *entry | la != *entry {
                            *entry |= la;
                            changed = true;
                        }
                    }
                    if changed && !queue.contains(&target) {
                        queue.push_back(target);
                    }
                    target
                }
                None => {
                    let target = kernels.len();
                    kernels.push(kernel);
                    gotos.push(BTreeMap::new());
                    index.insert(core, target);
                    queue.push_back(target);
                    target
                }
            };
            gotos[state].insert(sym, target);
        }
    }

    let mut tables = Tables {
        action: Vec::new(),
        goto: Vec::new(),
        reported_conflicts: (0, 0),
        reduce_reduce: 0,
    };
    for (state, kernel) in kernels.iter().enumerate() {
        let mut action: [Option<Action>; TERMINALS] = [None; TERMINALS];
        let mut goto = [u16::MAX; NONTERMINALS];
        for (&sym, &target) in &gotos[state] {
            if let Some(nt) = nonterminal_index(sym) {
                goto[nt] = target as u16;
            }
        }
        for (&(prod, dot), &la) in &closure(&first, kernel) {
            let rhs = PRODUCTIONS[prod as usize].rhs;
            match rhs.get(dot as usize) {
                None if prod == 0 => {
                    if la & 1 << Tok::End as u32 != 0 {
                        action[Tok::End as usize] = Some(Action::Accept);
                    }
                }
                None => {
                    for a in (0..TERMINALS).filter(|a| la & 1 << a != 0) {
                        let slot = &mut action[a];
                        *slot = Some(resolve(&mut tables, *slot, Action::Reduce(prod), a as Sym));
                    }
                }
                Some(&sym) if nonterminal_index(sym).is_none() => {
                    let target = gotos[state][&sym] as u16;
                    let slot = &mut action[sym as usize];
                    *slot = Some(resolve(&mut tables, *slot, Action::Shift(target), sym));
                }
                Some(_) => {}
            }
        }
        tables
            .action
            .push(action.map(|a| a.unwrap_or(Action::Error)));
        tables.goto.push(goto);
    }
    tables
}

/// PLY's conflict resolution between the existing action and a new one.
fn resolve(tables: &mut Tables, existing: Option<Action>, new: Action, token: Sym) -> Action {
    let Some(old) = existing else { return new };
    let (shift, reduce) = match (old, new) {
        (Action::Shift(s), Action::Reduce(r)) | (Action::Reduce(r), Action::Shift(s)) => (s, r),
        (Action::Reduce(a), Action::Reduce(b)) => {
            tables.reduce_reduce += 1;
            return Action::Reduce(a.min(b));
        }
        (old, _) => return old,
    };
    let (_, shift_level) = precedence(token);
    let (rule_assoc, rule_level) = production_precedence(&PRODUCTIONS[reduce as usize]);
    if shift_level < rule_level || (shift_level == rule_level && rule_assoc == Assoc::Left) {
        if shift_level == 0 && rule_level == 0 {
            tables.reported_conflicts.1 += 1;
        }
        Action::Reduce(reduce)
    } else if shift_level == rule_level && rule_assoc == Assoc::Nonassoc {
        Action::Error
    } else {
        if rule_level == 0 {
            tables.reported_conflicts.0 += 1;
        }
        Action::Shift(shift)
    }
}
