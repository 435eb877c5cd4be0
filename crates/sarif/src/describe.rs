//! The report description: the result's message, where it is, the rule, and the code flow, as Markdown.

use crate::run::{Place, Run, index, items, string};
use crate::text::{code_block, code_span, one_line, rewrite_links, truncate, unescape_label};
use serde_json::Value;

/// Other locations listed at most.
const MAX_OTHER_LOCATIONS: usize = 10;
/// Code-flow steps listed at most.
const MAX_FLOW_STEPS: usize = 20;
/// A location's or a step's own message, at most (characters).
const MAX_STEP_MESSAGE_CHARS: usize = 200;
/// The primary location's snippet, at most (bytes).
const MAX_SNIPPET_BYTES: usize = 4096;

/// A result's message, resolved: at least one of the two is there and not blank.
pub(crate) struct Message {
    pub text: Option<String>,
    pub markdown: Option<String>,
}

impl Message {
    /// The plain text (the `text` form, or else the Markdown), with embedded links reduced to their labels.
    pub fn plain(&self) -> String {
        let s = self.text.as_deref().or(self.markdown.as_deref()).unwrap_or("");
        rewrite_links(s, false, |label, _| unescape_label(label))
    }

    /// The message for a Markdown description: the `markdown` form as written, or else the text, whose
    /// embedded links to related locations (`[label](1)`) become the label and the location, and whose
    /// links to URIs become Markdown links.
    pub fn markdown(&self, run: &Run, result: &Value) -> String {
        if let Some(md) = &self.markdown {
            return md.clone();
        }
        let text = self.text.as_deref().unwrap_or("");
        rewrite_links(text, true, |label, target| {
            if let Ok(id) = target.parse::<u64>() {
                let place = items(&result["relatedLocations"]).iter().find(|l| l["id"].as_u64() == Some(id)).and_then(|l| run.place(&l["physicalLocation"]));
                match place {
                    Some(p) => format!("{label} ({})", code_span(&p.long())),
                    None => label.to_string(),
                }
            } else if target.contains(':') {
                format!("[{label}]({target})")
            } else {
                label.to_string()
            }
        })
    }
}

/// What the description says besides the message.
pub(crate) struct Facts<'a> {
    pub rule_id: Option<&'a str>,
    pub rule_name: Option<&'a str>,
    pub level: Option<&'a str>,
    /// The rule's description, help and link, already Markdown (may be empty).
    pub rule_section: &'a str,
}

/// The description of a result.
pub(crate) fn describe(run: &Run, result: &Value, message: &str, facts: &Facts) -> String {
    let mut d = String::with_capacity(message.len() + 512);
    d.push_str(message.trim_end());
    d.push_str("\n\n");

    let locations = items(&result["locations"]);
    if let Some(first) = locations.first().and_then(|l| location_line(run, l)) {
        d.push_str(&format!("- Location: {first}\n"));
    }
    match (facts.rule_id, facts.rule_name) {
        (Some(id), Some(name)) if id != name => d.push_str(&format!("- Rule: {} ({})\n", code_span(id), one_line(name, 200))),
        (Some(id), _) => d.push_str(&format!("- Rule: {}\n", code_span(id))),
        (None, Some(name)) => d.push_str(&format!("- Rule: {}\n", one_line(name, 200))),
        (None, None) => {}
    }
    if let Some(level) = facts.level {
        d.push_str(&format!("- Level: {}\n", one_line(level, 40)));
    }

    if let Some(snippet) = locations.first().and_then(|l| l["physicalLocation"]["region"]["snippet"]["text"].as_str()).filter(|s| !s.trim().is_empty()) {
        let mut s = snippet.to_string();
        truncate(&mut s, MAX_SNIPPET_BYTES);
        d.push('\n');
        d.push_str(&code_block(&s));
        d.push('\n');
    }

    let others: Vec<String> = locations.iter().skip(1).take(MAX_OTHER_LOCATIONS).filter_map(|l| location_line(run, l)).collect();
    if !others.is_empty() {
        d.push_str("\n**Other locations**\n\n");
        for o in &others {
            d.push_str(&format!("- {o}\n"));
        }
        let rest = locations.len().saturating_sub(1 + MAX_OTHER_LOCATIONS);
        if rest > 0 {
            d.push_str(&format!("- and {rest} more\n"));
        }
    }

    let (steps, total) = code_flow(run, result);
    if !steps.is_empty() {
        let plural = if total == 1 { "" } else { "s" };
        d.push_str(&format!("\n**Code flow** ({total} step{plural})\n\n"));
        for (n, s) in steps.iter().enumerate() {
            d.push_str(&format!("{}. {s}\n", n + 1));
        }
        if total > steps.len() {
            d.push_str(&format!("\n(and {} more steps)\n", total - steps.len()));
        }
    }

    if !facts.rule_section.is_empty() {
        d.push('\n');
        d.push_str(facts.rule_section);
        d.push('\n');
    }
    d.truncate(d.trim_end().len());
    d
}

/// A location as one line: the place (`uri:line:column`), the logical location, and its own message.
fn location_line(run: &Run, location: &Value) -> Option<String> {
    let place = run.place(&location["physicalLocation"]).map(|p: Place| code_span(&p.long()));
    let logical = run.logical(location).map(|l| code_span(&one_line(l, 300)));
    let message = string(&location["message"]["text"]).map(|m| one_line(&rewrite_links(m, false, |l, _| unescape_label(l)), MAX_STEP_MESSAGE_CHARS));
    let mut line = match (place, logical) {
        (Some(p), Some(l)) => format!("{p} in {l}"),
        (Some(p), None) => p,
        (None, Some(l)) => l,
        (None, None) => String::new(),
    };
    if let Some(m) = message {
        if !line.is_empty() {
            line.push_str(" — ");
        }
        line.push_str(&m);
    }
    (!line.is_empty()).then_some(line)
}

/// The first steps of the first thread flow of the first code flow, each as a location line, and how
/// many steps it has. A step that refers to `run.threadFlowLocations` by index is looked up there.
fn code_flow(run: &Run, result: &Value) -> (Vec<String>, usize) {
    let Some(flow) = items(&result["codeFlows"]).first() else { return (Vec::new(), 0) };
    let Some(thread) = items(&flow["threadFlows"]).first() else { return (Vec::new(), 0) };
    let steps = items(&thread["locations"]);
    let shown = steps
        .iter()
        .take(MAX_FLOW_STEPS)
        .map(|step| {
            let step = if step["location"].is_object() { step } else { index(&step["index"]).and_then(|i| run.thread_flow_locations.get(i)).unwrap_or(step) };
            location_line(run, &step["location"]).unwrap_or_else(|| "(no location)".to_string())
        })
        .collect();
    (shown, steps.len())
}
