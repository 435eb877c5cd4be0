//! What every reader writes into: components, edges and diagnostics, each bounded.

use crate::{Component, Diagnostic, Format, MAX_COMPONENTS, MAX_DIAGNOSTICS, Sbom};

#[derive(Default)]
pub(crate) struct Out {
    pub components: Vec<Component>,
    pub dependencies: Vec<(String, Vec<String>)>,
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics not recorded past [`MAX_DIAGNOSTICS`].
    dropped_diagnostics: usize,
    /// Components not kept past [`MAX_COMPONENTS`].
    dropped_components: usize,
    /// The first error that stopped the reader before the end of the document.
    fatal: Option<Diagnostic>,
}

impl Out {
    pub fn diag(&mut self, code: &str, pointer: impl Into<String>, message: impl Into<String>) {
        if self.diagnostics.len() < MAX_DIAGNOSTICS {
            self.diagnostics.push(Diagnostic::new(code, pointer, message));
        } else {
            self.dropped_diagnostics += 1;
        }
    }

    /// Records an error that stopped the reader; the components read so far are kept.
    pub fn fatal(&mut self, code: &str, pointer: impl Into<String>, message: impl Into<String>) {
        let d = Diagnostic::new(code, pointer, message);
        if self.fatal.is_none() {
            self.fatal = Some(d.clone());
        }
        if self.diagnostics.len() < MAX_DIAGNOSTICS {
            self.diagnostics.push(d);
        } else {
            self.dropped_diagnostics += 1;
        }
    }

    /// Whether more components may be kept.
    pub fn full(&self) -> bool {
        self.components.len() >= MAX_COMPONENTS
    }

    pub fn push(&mut self, c: Component) {
        if self.full() {
            self.dropped_components += 1;
        } else {
            self.components.push(c);
        }
    }

    pub fn edge_list(&mut self, from: String, to: Vec<String>) {
        self.dependencies.push((from, to));
    }

    /// Sets the component's purl from a value found in the document, if it is a valid package URL.
    pub fn found_purl(&mut self, c: &mut Component, raw: &str, pointer: &str) {
        match crate::purl::check(raw) {
            Ok((purl, ecosystem)) => {
                c.purl = Some(purl);
                if c.ecosystem_hint.is_none() {
                    c.ecosystem_hint = ecosystem;
                }
            }
            Err(message) => self.diag("invalid_purl", pointer, format!("{message}; the component is kept without a purl")),
        }
    }

    pub fn finish(mut self, format: Format) -> Result<Sbom, Diagnostic> {
        if let Some(fatal) = &self.fatal
            && self.components.is_empty()
            && self.dependencies.is_empty()
        {
            return Err(fatal.clone());
        }
        if self.dropped_components > 0 {
            let n = self.dropped_components;
            self.diagnostics.push(Diagnostic::new(
                "too_many_components",
                "",
                format!("the document has more than {MAX_COMPONENTS} components; {n} more were not kept"),
            ));
        }
        if self.dropped_diagnostics > 0 {
            let n = self.dropped_diagnostics;
            self.diagnostics.push(Diagnostic::new(
                "too_many_diagnostics",
                "",
                format!("{n} more problems were found and not recorded (the limit is {MAX_DIAGNOSTICS})"),
            ));
        }
        Ok(Sbom { format, components: self.components, dependencies: self.dependencies, diagnostics: self.diagnostics })
    }
}
