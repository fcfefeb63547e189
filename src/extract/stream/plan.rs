//! The article rules' selectors as the stream matches them, compiled once per config.

use lol_html::Selector;

use super::nesting::GUARDED;
use crate::config::{ArticleRules, Source};

/// The selectors of a site's article rules as the stream reads them, compiled once with the
/// config. `None` from [`StreamPlan::new`] when a selector needs more than element-local
/// matching and descendant combinators (child and sibling combinators, `:nth-child` and
/// kin, selector lists…): such sites are always read through the DOM.
///
/// lol_html matches only the compound selectors (`.text-content`, `img.lead`); descendant
/// combinators are resolved afterwards from the matched elements' extents, which are checked
/// to be the DOM's (see [`plainly_delimited`]). lol_html's own combinator matching follows
/// its token-stream view of nesting, which differs from html5ever's on malformed markup.
#[derive(Debug, Clone)]
pub struct StreamPlan {
    /// Distinct compound selectors.
    pub(super) compounds: Vec<(String, Selector)>,
    /// Each CSS source's selector text with its compounds, outermost first.
    pub(super) chains: Vec<(String, Vec<usize>)>,
    /// The `remove` selectors (clutter cut from the body) as chains.
    pub(super) remove: Vec<Vec<usize>>,
    /// Every rule set needs these: the guards, `<meta content>`, JSON-LD scripts.
    pub(super) fixed: FixedSelectors,
}

/// The selectors every read uses whatever the rules, compiled with the plan.
#[derive(Debug, Clone)]
pub(super) struct FixedSelectors {
    pub(super) guards: Selector,
    pub(super) metas: Selector,
    pub(super) json_ld: Selector,
}

impl FixedSelectors {
    fn new() -> FixedSelectors {
        let parse = |css: &str| css.parse().expect("static selector");
        FixedSelectors {
            guards: parse(&GUARDED.join(", ")),
            metas: parse("meta[content]"),
            json_ld: parse(r#"script[type="application/ld+json"]"#),
        }
    }
}

impl StreamPlan {
    pub fn new(rules: &ArticleRules) -> Option<StreamPlan> {
        let mut plan = StreamPlan {
            compounds: Vec::new(),
            chains: Vec::new(),
            remove: Vec::new(),
            fixed: FixedSelectors::new(),
        };
        for rule in rules.all() {
            if let Source::Css { css, .. } = &rule.source {
                if !plan.chains.iter().any(|(t, _)| t == css) {
                    let chain = plan.chain(css)?;
                    plan.chains.push((css.clone(), chain));
                }
            }
        }
        for css in &rules.remove {
            let chain = plan.chain(&css.text)?;
            plan.remove.push(chain);
        }
        Some(plan)
    }

    fn chain(&mut self, css: &str) -> Option<Vec<usize>> {
        compounds(css)?
            .into_iter()
            .map(|compound| {
                if let Some(i) = self.compounds.iter().position(|(t, _)| *t == compound) {
                    return Some(i);
                }
                let selector = compound.parse().ok()?;
                self.compounds.push((compound, selector));
                Some(self.compounds.len() - 1)
            })
            .collect()
    }
}

/// Splits a selector into its compound selectors when they are joined only by descendant
/// combinators and each depends on the element alone; `None` otherwise.
fn compounds(css: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut current = String::new();
    let (mut depth, mut quote) = (0usize, None::<char>);
    let mut chars = css.trim().chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                current.push(c);
                current.push(chars.next()?);
                continue;
            }
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '(') => depth += 1,
            (None, ']' | ')') => depth = depth.checked_sub(1)?,
            (None, '>' | '+' | '~' | ',') if depth == 0 => return None,
            (None, c) if c.is_whitespace() && depth == 0 => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    // Structural pseudo-classes (`:nth-child`, `:first-of-type`…) depend on siblings.
    let element_local = |compound: &String| {
        compound
            .match_indices(':')
            .all(|(i, _)| compound[i..].starts_with(":not("))
    };
    (!out.is_empty() && quote.is_none() && depth == 0 && out.iter().all(element_local))
        .then_some(out)
}
