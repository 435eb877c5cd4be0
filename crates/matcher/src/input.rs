//! An SBOM as a scan needs it: each distinct component once, and per component which one it is and
//! where it was found.
//!
//! A million-component SBOM typically names a few thousand distinct package versions. Kept as a
//! list of [`Component`]s it takes about twice the document's size; kept here it takes the
//! distinct components plus about 30 bytes per component (a number and its location), so a scan's
//! peak memory is the document itself and little more.

use std::collections::HashMap;

use clearinghouse_model::Diagnostic;
use clearinghouse_sbom::{Component, Format, Sbom};

/// The components of one SBOM or lockfile, deduplicated for scanning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanInput {
    pub format: Format,
    /// What the SBOM reader found wrong (not the scan's own diagnostics).
    pub diagnostics: Vec<Diagnostic>,
    /// Each distinct component once, without its `location` and `bom_ref` (which differ per
    /// occurrence and do not change what it matches).
    distinct: Vec<Component>,
    /// Per component, in document order: its index in `distinct`.
    by_component: Vec<u32>,
    /// Every component's location, one after another; `location_ends[i]` is where component
    /// `i`'s ends.
    locations: String,
    location_ends: Vec<usize>,
}

/// Builds a [`ScanInput`] one component at a time (the sink of [`clearinghouse_sbom::read_each`]).
#[derive(Default)]
struct Builder {
    distinct: Vec<Component>,
    seen: HashMap<Component, u32>,
    by_component: Vec<u32>,
    locations: String,
    location_ends: Vec<usize>,
}

impl Builder {
    fn push(&mut self, mut c: Component) {
        self.locations.push_str(&c.location);
        self.location_ends.push(self.locations.len());
        c.location = String::new();
        c.bom_ref = None;
        let n = match self.seen.get(&c) {
            Some(&n) => n,
            None => {
                let n = self.distinct.len() as u32;
                self.distinct.push(c.clone());
                self.seen.insert(c, n);
                n
            }
        };
        self.by_component.push(n);
    }

    fn finish(self, format: Format, diagnostics: Vec<Diagnostic>) -> ScanInput {
        let Builder { distinct, by_component, locations, location_ends, .. } = self;
        ScanInput { format, diagnostics, distinct, by_component, locations, location_ends }
    }
}

impl ScanInput {
    /// Reads a document as [`clearinghouse_sbom::read`] does, without ever holding every component:
    /// each is folded in as it is read.
    pub fn read(bytes: &[u8], file_name: Option<&str>) -> Result<ScanInput, Diagnostic> {
        let mut builder = Builder::default();
        let streamed = clearinghouse_sbom::read_each(bytes, file_name, &mut |c| builder.push(c))?;
        Ok(builder.finish(streamed.format, streamed.diagnostics))
    }

    /// The same input from an SBOM already read.
    pub fn from_sbom(sbom: &Sbom) -> ScanInput {
        let mut builder = Builder::default();
        for c in &sbom.components {
            builder.push(c.clone());
        }
        builder.finish(sbom.format.clone(), sbom.diagnostics.clone())
    }

    /// How many components the document has (repeats included).
    pub fn len(&self) -> usize {
        self.by_component.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_component.is_empty()
    }

    /// Each distinct component once (`location` empty, `bom_ref` none).
    pub fn distinct(&self) -> &[Component] {
        &self.distinct
    }

    /// Per component, in document order, its index in [`ScanInput::distinct`].
    pub fn distinct_of(&self) -> &[u32] {
        &self.by_component
    }

    /// Component `i`: what it is and where the document has it.
    pub fn component(&self, i: usize) -> Option<(&Component, &str)> {
        let c = self.distinct.get(*self.by_component.get(i)? as usize)?;
        Some((c, self.location(i)?))
    }

    /// Where component `i` was found (a JSON pointer, an XML path or `line N`).
    pub fn location(&self, i: usize) -> Option<&str> {
        let end = *self.location_ends.get(i)?;
        let start = if i == 0 { 0 } else { *self.location_ends.get(i - 1)? };
        self.locations.get(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_kept_once_with_each_location() {
        let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[
            {"type":"library","bom-ref":"a","name":"serde","version":"1.0.0","purl":"pkg:cargo/serde@1.0.0"},
            {"type":"library","bom-ref":"b","name":"serde","version":"1.0.0","purl":"pkg:cargo/serde@1.0.0"},
            {"type":"library","name":"rand","version":"0.8.0","purl":"pkg:cargo/rand@0.8.0"}]}"#;
        let input = ScanInput::read(doc, Some("bom.json")).unwrap();
        assert_eq!(input.len(), 3);
        assert_eq!(input.distinct().len(), 2);
        assert_eq!(input.distinct_of(), &[0, 0, 1]);
        assert_eq!(input.location(0), Some("/components/0"));
        assert_eq!(input.location(1), Some("/components/1"));
        let (c, at) = input.component(2).unwrap();
        assert_eq!((c.name.as_str(), at), ("rand", "/components/2"));
        assert!(input.component(3).is_none());
        let sbom = clearinghouse_sbom::read(doc, Some("bom.json")).unwrap();
        assert_eq!(ScanInput::from_sbom(&sbom), input);
    }
}
