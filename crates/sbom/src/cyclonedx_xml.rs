//! CycloneDX XML, namespaces `http://cyclonedx.org/schema/bom/1.0` to `1.6`.
//!
//! The same fields as the JSON reader, found by element path: `bom/components/component` (nested
//! through `component/components`), `bom/metadata/component`, and `bom/dependencies/dependency[@ref]`
//! with its `dependency[@ref]` children. `metadata/tools`, `services` and pedigree are not components.
//! Elements are matched by local name: a CycloneDX document's own elements are in the bom namespace,
//! and an extension would have to reuse CycloneDX's element names inside a component to be misread.
//!
//! Safety: quick-xml never processes a DTD. A `<!DOCTYPE>` is reported and ignored, and an entity
//! reference other than the five predefined ones and character references is reported and left out,
//! so an entity-expansion bomb ("billion laughs") costs nothing.

use crate::cyclonedx_json::{Fields, check_spec, emit};
use crate::out::Out;
use crate::text::LineIndex;
use crate::{Encoding, Format, MAX_COMPONENT_DEPTH, MAX_NESTING_DEPTH};
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

const NS_PREFIX: &str = "http://cyclonedx.org/schema/bom/";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Group,
    Version,
    Purl,
    Cpe,
    Scope,
}

enum Role {
    Bom,
    Metadata,
    /// A `components` list whose `component` children are real components.
    Components {
        location: String,
        depth: usize,
        count: usize,
    },
    /// An open component: index into the builders stack.
    Component,
    Field(Field),
    Dependencies,
    /// An open top-level dependency: index into `out.dependencies` (`None` when the graph is not kept).
    Dependency(Option<usize>),
    Other,
}

#[derive(Clone, Copy)]
enum Parent {
    None,
    Bom,
    Metadata,
    Components,
    Component,
    Dependencies,
    Dependency(Option<usize>),
    Other,
}

struct Open {
    name: String,
    role: Role,
}

struct Builder {
    fields: Fields,
    location: String,
    depth: usize,
    emitted: bool,
    text: String,
}

struct State<'o, 's> {
    out: &'o mut Out<'s>,
    stack: Vec<Open>,
    builders: Vec<Builder>,
    spec: Option<String>,
    dtd_reported: bool,
}

impl State<'_, '_> {
    fn path(&self) -> String {
        if let Some(b) = self.builders.last() {
            return b.location.clone();
        }
        let mut p = String::new();
        for o in &self.stack {
            p.push('/');
            p.push_str(&o.name);
        }
        p
    }

    fn attr(&mut self, e: &BytesStart, wanted: &str) -> Option<String> {
        for a in e.attributes() {
            match a {
                Ok(a) if a.key.local_name().as_ref() == wanted => match a.normalized_value(XmlVersion::Implicit1_0) {
                    Ok(v) => return Some(v.into_owned()),
                    Err(err) => {
                        let at = self.path();
                        self.out.diag("invalid_xml", at, format!("attribute {wanted}: {err}"));
                        return None;
                    }
                },
                Ok(_) => {}
                Err(err) => {
                    let at = self.path();
                    self.out.diag("invalid_xml", at, format!("attribute: {err}"));
                    return None;
                }
            }
        }
        None
    }

    /// Opens an element; returns false when reading must stop.
    fn open(&mut self, e: &BytesStart) -> bool {
        let local = e.local_name().as_ref().to_string();
        if self.stack.len() >= MAX_NESTING_DEPTH {
            let at = self.path();
            self.out.fatal("too_deep", at, format!("XML nested deeper than {MAX_NESTING_DEPTH} elements; the rest of the document is not read"));
            return false;
        }
        let parent = match self.stack.last().map(|o| &o.role) {
            None => Parent::None,
            Some(Role::Bom) => Parent::Bom,
            Some(Role::Metadata) => Parent::Metadata,
            Some(Role::Components { .. }) => Parent::Components,
            Some(Role::Component) => Parent::Component,
            Some(Role::Dependencies) => Parent::Dependencies,
            Some(Role::Dependency(i)) => Parent::Dependency(*i),
            Some(Role::Field(_) | Role::Other) => Parent::Other,
        };
        let role = match parent {
            Parent::None => {
                if local != "bom" {
                    let hint = if local == "RDF" { " (SPDX RDF/XML is not supported)" } else { "" };
                    self.out.fatal("unknown_format", format!("/{local}"), format!("the root element is <{local}>, not a CycloneDX <bom>{hint}"));
                    return false;
                }
                for a in e.attributes().flatten() {
                    let key = a.key.as_ref();
                    if (key == "xmlns" || key.starts_with("xmlns:"))
                        && let Ok(v) = a.normalized_value(XmlVersion::Implicit1_0)
                        && let Some(version) = v.strip_prefix(NS_PREFIX)
                    {
                        self.spec = Some(version.trim_end_matches('/').to_string());
                    }
                }
                Role::Bom
            }
            Parent::Bom => match local.as_str() {
                "components" => Role::Components { location: "/bom/components".into(), depth: 1, count: 0 },
                "metadata" => Role::Metadata,
                "dependencies" => Role::Dependencies,
                _ => Role::Other,
            },
            Parent::Metadata if local == "component" => self.start_component(e, "/bom/metadata/component".into(), 1),
            Parent::Components if local == "component" => {
                let Some(Open { role: Role::Components { location, depth, count }, .. }) = self.stack.last_mut() else { return true };
                *count += 1;
                let (loc, depth) = (format!("{location}/component[{count}]"), *depth);
                self.start_component(e, loc, depth)
            }
            Parent::Component => {
                let field = match local.as_str() {
                    "name" => Some(Field::Name),
                    "group" => Some(Field::Group),
                    "version" => Some(Field::Version),
                    "purl" => Some(Field::Purl),
                    "cpe" => Some(Field::Cpe),
                    "scope" => Some(Field::Scope),
                    _ => None,
                };
                match field {
                    Some(f) => {
                        if let Some(b) = self.builders.last_mut() {
                            b.text.clear();
                        }
                        Role::Field(f)
                    }
                    None if local == "components" => {
                        self.emit_top();
                        match self.builders.last() {
                            Some(b) => Role::Components { location: format!("{}/components", b.location), depth: b.depth + 1, count: 0 },
                            None => Role::Other,
                        }
                    }
                    None => Role::Other,
                }
            }
            Parent::Dependencies if local == "dependency" => match self.attr(e, "ref") {
                Some(r) => {
                    self.out.edge_list(r, Vec::new());
                    // Streaming keeps no graph: the entries are still read, for their diagnostics.
                    Role::Dependency(self.out.dependencies.len().checked_sub(1).filter(|_| self.out.keeps_graph()))
                }
                None => {
                    let at = format!("{}/dependency", self.path());
                    self.out.diag("missing_ref", at, "dependency has no ref attribute; it is skipped");
                    Role::Other
                }
            },
            Parent::Dependency(i) if local == "dependency" => {
                match self.attr(e, "ref") {
                    Some(r) => {
                        if let Some(edge) = i.and_then(|i| self.out.dependencies.get_mut(i)) {
                            edge.1.push(r);
                        }
                    }
                    None => {
                        let at = format!("{}/dependency", self.path());
                        self.out.diag("missing_ref", at, "dependsOn entry has no ref attribute");
                    }
                }
                Role::Other
            }
            _ => Role::Other,
        };
        self.stack.push(Open { name: local, role });
        true
    }

    fn start_component(&mut self, e: &BytesStart, location: String, depth: usize) -> Role {
        if depth > MAX_COMPONENT_DEPTH {
            self.out.diag("too_deep", location, format!("components nested deeper than {MAX_COMPONENT_DEPTH} levels are skipped"));
            return Role::Other;
        }
        let bom_ref = self.attr(e, "bom-ref");
        self.builders.push(Builder { fields: Fields { bom_ref, ..Fields::default() }, location, depth, emitted: false, text: String::new() });
        Role::Component
    }

    /// Emits the innermost open component now (before its nested components), once.
    fn emit_top(&mut self) {
        if let Some(b) = self.builders.last_mut()
            && !b.emitted
        {
            b.emitted = true;
            let fields = std::mem::take(&mut b.fields);
            let location = b.location.clone();
            emit(fields, location, self.out);
        }
    }

    fn close(&mut self) {
        let Some(open) = self.stack.pop() else { return };
        match open.role {
            Role::Component => {
                self.emit_top();
                self.builders.pop();
            }
            Role::Field(f) => {
                if let Some(b) = self.builders.last_mut() {
                    let value = Some(b.text.trim().to_string());
                    let slot = match f {
                        Field::Name => &mut b.fields.name,
                        Field::Group => &mut b.fields.group,
                        Field::Version => &mut b.fields.version,
                        Field::Purl => &mut b.fields.purl,
                        Field::Cpe => &mut b.fields.cpe,
                        Field::Scope => &mut b.fields.scope,
                    };
                    *slot = value;
                    b.text.clear();
                }
            }
            _ => {}
        }
    }

    fn in_field(&self) -> bool {
        matches!(self.stack.last(), Some(Open { role: Role::Field(_), .. }))
    }

    fn text(&mut self, s: &str) {
        if self.in_field()
            && let Some(b) = self.builders.last_mut()
        {
            b.text.push_str(s);
        }
    }
}

pub(crate) fn read(bytes: &[u8], out: &mut Out) -> Format {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            out.fatal("not_utf8", "", format!("the XML document is not UTF-8 (invalid byte at offset {})", e.valid_up_to()));
            return Format::CycloneDx { spec: "unknown".into(), encoding: Encoding::Xml };
        }
    };
    let mut reader = Reader::from_str(text);
    let mut st = State { out, stack: Vec::new(), builders: Vec::new(), spec: None, dtd_reported: false };
    let mut seen_root = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                seen_root = true;
                if !st.open(&e) {
                    break;
                }
            }
            Ok(Event::Empty(e)) => {
                seen_root = true;
                if !st.open(&e) {
                    break;
                }
                st.close();
            }
            Ok(Event::End(_)) => st.close(),
            Ok(Event::Text(t)) => st.text(&t.xml10_content()),
            Ok(Event::CData(t)) => st.text(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) => {
                if !st.in_field() {
                    continue;
                }
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(ch)) => st.text(ch.encode_utf8(&mut [0; 4])),
                        _ => {
                            let at = st.path();
                            st.out.diag("invalid_xml", at, format!("invalid character reference &{};", r.xml10_content()));
                        }
                    }
                } else {
                    let name = r.xml10_content();
                    match resolve_predefined_entity(&name) {
                        Some(s) => st.text(s),
                        None => {
                            let at = st.path();
                            st.out.diag("xml_entity_not_expanded", at, format!("entity reference &{name}; is not expanded (DTD entities are never processed)"));
                        }
                    }
                }
            }
            Ok(Event::DocType(_)) => {
                if !st.dtd_reported {
                    st.dtd_reported = true;
                    st.out.diag("xml_dtd_ignored", "", "the document has a DOCTYPE; DTDs and their entities are ignored");
                }
            }
            Ok(Event::Eof) => {
                if !st.stack.is_empty() {
                    let at = st.path();
                    st.out.fatal("truncated", at, "the XML document ends before its elements are closed; open components are not kept");
                } else if !seen_root {
                    st.out.fatal("invalid_xml", "", "the XML document has no root element");
                }
                break;
            }
            Ok(_) => {}
            Err(e) => {
                let line = LineIndex::new(text).line_of(reader.error_position() as usize);
                let at = st.path();
                st.out.fatal("invalid_xml", at, format!("{e} (line {line}); the rest of the document is not read"));
                break;
            }
        }
    }
    let spec = st.spec.take();
    let spec = match spec {
        Some(s) => {
            check_spec(&s, "/bom/@xmlns", out);
            s
        }
        None => {
            out.diag("missing_spec_version", "/bom/@xmlns", format!("the bom element has no {NS_PREFIX}1.x namespace"));
            "unknown".to_string()
        }
    };
    Format::CycloneDx { spec, encoding: Encoding::Xml }
}
