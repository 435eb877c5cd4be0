//! What every reader writes into: components, edges and diagnostics, each bounded.
//!
//! An `Out` either keeps the components (for [`crate::read`]) or hands each one to a sink as soon as
//! it is read and keeps nothing of it (for [`crate::read_each`]): a scan of a million components
//! then holds the document and what the sink keeps, never a million `Component`s at once.

use crate::{Component, Diagnostic, Format, MAX_COMPONENTS, MAX_DIAGNOSTICS, Sbom, Streamed};

#[derive(Default)]
pub(crate) struct Out<'s> {
    /// The components read, when no sink takes them.
    pub components: Vec<Component>,
    pub dependencies: Vec<(String, Vec<String>)>,
    pub diagnostics: Vec<Diagnostic>,
    /// Where components go instead of `components` (and dependencies are not kept).
    sink: Option<&'s mut dyn FnMut(Component)>,
    /// Components handed to the sink.
    streamed: usize,
    /// Dependency edges met while streaming (not kept, but they count as something read).
    streamed_edges: usize,
    /// Diagnostics not recorded past [`MAX_DIAGNOSTICS`].
    dropped_diagnostics: usize,
    /// Components not kept past [`MAX_COMPONENTS`].
    dropped_components: usize,
    /// The first error that stopped the reader before the end of the document.
    fatal: Option<Diagnostic>,
}

impl<'s> Out<'s> {
    pub fn streaming(sink: &'s mut dyn FnMut(Component)) -> Self {
        Out { sink: Some(sink), ..Out::default() }
    }

    /// Whether the dependency graph is kept (not when streaming).
    pub fn keeps_graph(&self) -> bool {
        self.sink.is_none()
    }

    fn component_count(&self) -> usize {
        if self.sink.is_some() { self.streamed } else { self.components.len() }
    }

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
        self.component_count() >= MAX_COMPONENTS
    }

    pub fn push(&mut self, c: Component) {
        if self.full() {
            self.dropped_components += 1;
        } else if let Some(sink) = self.sink.as_mut() {
            self.streamed += 1;
            sink(c);
        } else {
            self.components.push(c);
        }
    }

    pub fn edge_list(&mut self, from: String, to: Vec<String>) {
        if self.keeps_graph() {
            self.dependencies.push((from, to));
        } else {
            self.streamed_edges += 1;
        }
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

    pub fn finish(self, format: Format) -> Result<Sbom, Diagnostic> {
        let (components, dependencies, diagnostics) = self.close()?;
        Ok(Sbom { format, components, dependencies, diagnostics })
    }

    pub fn finish_streamed(self, format: Format) -> Result<Streamed, Diagnostic> {
        let components = self.streamed;
        let (_, _, diagnostics) = self.close()?;
        Ok(Streamed { format, components, diagnostics })
    }

    /// The error when nothing at all was read, else what was kept, with the diagnostics about what
    /// was not.
    #[allow(clippy::type_complexity)]
    fn close(mut self) -> Result<(Vec<Component>, Vec<(String, Vec<String>)>, Vec<Diagnostic>), Diagnostic> {
        if let Some(fatal) = &self.fatal
            && self.component_count() == 0
            && self.dependencies.is_empty()
            && self.streamed_edges == 0
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
        Ok((self.components, self.dependencies, self.diagnostics))
    }
}
