//! Lenient access to a `serde_json::Value`: the tests look only at members of the expected type and
//! pass over everything else silently (a wrong type is the JSON schema's failure to report, not
//! theirs), and the collector of failures with its bound.

use std::collections::HashMap;

use clearinghouse_model::Diagnostic;
use serde_json::Value;

/// A member of an object, if `v` is an object that has it.
pub(crate) fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object().and_then(|o| o.get(key))
}

/// A member reached through a path of object keys.
pub(crate) fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| get(v, k))
}

/// The elements of an array member; empty when absent or not an array.
pub(crate) fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    get(v, key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// A string member.
pub(crate) fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    get(v, key).and_then(Value::as_str)
}

/// The string elements of an array member with their indexes (other elements are skipped).
pub(crate) fn strs<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = (usize, &'a str)> {
    arr(v, key).iter().enumerate().filter_map(|(i, s)| s.as_str().map(|s| (i, s)))
}

/// Quotes a value of the document for a message, cut to a readable length.
pub(crate) fn quote(s: &str) -> String {
    const MAX: usize = 120;
    if s.chars().count() <= MAX {
        format!("`{s}`")
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("`{cut}…`")
    }
}

/// How many failures of one test are listed; past this, one more entry says how many were left out.
pub const MAX_FAILURES_PER_TEST: usize = 1000;

/// Collects failures, at most [`MAX_FAILURES_PER_TEST`] per test.
#[derive(Default)]
pub(crate) struct Sink {
    failures: Vec<Diagnostic>,
    counts: HashMap<&'static str, usize>,
}

impl Sink {
    pub fn fail(&mut self, test: &'static str, pointer: impl Into<String>, message: impl Into<String>) {
        let n = self.counts.entry(test).or_insert(0);
        *n += 1;
        if *n <= MAX_FAILURES_PER_TEST {
            self.failures.push(Diagnostic::new(test, pointer, message));
        }
    }

    pub fn finish(mut self) -> Vec<Diagnostic> {
        let mut over: Vec<(&str, usize)> = self.counts.iter().filter(|(_, n)| **n > MAX_FAILURES_PER_TEST).map(|(t, n)| (*t, *n)).collect();
        over.sort();
        for (test, n) in over {
            self.failures.push(Diagnostic::new(test, "", format!("{} more failures of this test are not listed", n - MAX_FAILURES_PER_TEST)));
        }
        self.failures
    }
}

/// Visits every branch of the product tree (`/product_tree/branches[](/branches[])*`) with its
/// JSON pointer, depth first in document order, without recursion.
pub(crate) fn for_each_branch<'a>(doc: &'a Value, mut visit: impl FnMut(&'a Value, &str)) {
    let Some(tree) = get(doc, "product_tree") else { return };
    let mut stack: Vec<(&'a Value, String)> = Vec::new();
    push_branches(&mut stack, tree, "/product_tree");
    while let Some((branch, pointer)) = stack.pop() {
        visit(branch, &pointer);
        push_branches(&mut stack, branch, &pointer);
    }
}

fn push_branches<'a>(stack: &mut Vec<(&'a Value, String)>, parent: &'a Value, pointer: &str) {
    // Pushed in reverse so that popping visits them in document order.
    for (i, b) in arr(parent, "branches").iter().enumerate().rev() {
        stack.push((b, format!("{pointer}/branches/{i}")));
    }
}

/// Visits every full product name with its pointer: in branches, in `full_product_names`, in
/// relationships.
pub(crate) fn for_each_full_product_name<'a>(doc: &'a Value, mut visit: impl FnMut(&'a Value, &str)) {
    for_each_branch(doc, |branch, pointer| {
        if let Some(p) = get(branch, "product") {
            visit(p, &format!("{pointer}/product"));
        }
    });
    let Some(tree) = get(doc, "product_tree") else { return };
    for (i, p) in arr(tree, "full_product_names").iter().enumerate() {
        visit(p, &format!("/product_tree/full_product_names/{i}"));
    }
    for (i, r) in arr(tree, "relationships").iter().enumerate() {
        if let Some(p) = get(r, "full_product_name") {
            visit(p, &format!("/product_tree/relationships/{i}/full_product_name"));
        }
    }
}

/// The vulnerabilities with their indexes.
pub(crate) fn vulnerabilities(doc: &Value) -> impl Iterator<Item = (usize, &Value)> {
    arr(doc, "vulnerabilities").iter().enumerate()
}

/// Depth of nesting of a value (a scalar is 0), computed without recursion.
pub(crate) fn depth(v: &Value) -> usize {
    let mut max = 0;
    let mut stack = vec![(v, 0usize)];
    while let Some((v, d)) = stack.pop() {
        max = max.max(d);
        match v {
            Value::Array(a) => stack.extend(a.iter().map(|x| (x, d + 1))),
            Value::Object(o) => stack.extend(o.values().map(|x| (x, d + 1))),
            _ => {}
        }
    }
    max
}
