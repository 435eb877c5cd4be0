//! Decision points and decision tables, read from SSVC's JSON (schema version 2.0.0 of
//! `CERTCC/SSVC/data/json`), validated at load, and decisions taken with them.
//!
//! The shapes, as the data has them:
//! - a decision point: `{namespace, key, version, name, definition, schemaVersion, values: [{key, name, definition}]}`,
//!   identified by `namespace:key:version` (`ssvc:E:1.1.0`); its values are listed in increasing order
//!   (Track before Act, defer before immediate), which is what [`OutcomeValue::ordinal`] reports;
//! - a decision table: `{namespace, key, version, name, definition, schemaVersion, decision_points: {id: point},
//!   outcome: id, mapping: [{id: value key}]}`, where `decision_points` holds the inputs and the outcome, and
//!   each mapping row gives a value key for every one of them.
//!
//! A table is valid when every row names every decision point once and only known value keys, and every
//! combination of input values appears in exactly one row; [`DecisionTable::from_json`] reports every problem.

use std::collections::BTreeMap;
use std::fmt;

use clearinghouse_model::Diagnostic;
use clearinghouse_model::diagnostic::escape_pointer_token;
use serde::de::{MapAccess, Visitor};
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::codes;

/// The largest table or decision point document accepted, in bytes (the largest SSVC table, coordinator
/// triage, is about 53 KB).
pub const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;

/// The most input combinations a table may have (the product of its inputs' value counts). SSVC's tables
/// have at most a few hundred; the bound keeps a hostile table from allocating without limit.
pub const MAX_COMBINATIONS: usize = 1 << 20;

/// The most diagnostics reported for one document; the rest are counted in one `too_many_diagnostics`.
pub const MAX_DIAGNOSTICS: usize = 1_000;

/// One value of a decision point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionPointValue {
    /// Short key, as tables and vectors write it (`A`, `T*`, `60D`).
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub definition: String,
}

/// A decision point: a question and its possible answers, in increasing order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionPoint {
    pub namespace: String,
    pub key: String,
    pub version: String,
    pub name: String,
    #[serde(default)]
    pub definition: String,
    #[serde(rename = "schemaVersion", default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    pub values: Vec<DecisionPointValue>,
}

/// Names a decision point by namespace, key and version.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DecisionPointRef {
    pub namespace: String,
    pub key: String,
    pub version: String,
}

/// Names a decision table by namespace, key and version; what a stored decision keeps.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TableRef {
    pub namespace: String,
    pub key: String,
    pub version: String,
}

impl fmt::Display for DecisionPointRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.namespace, self.key, self.version)
    }
}

impl fmt::Display for TableRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.namespace, self.key, self.version)
    }
}

impl DecisionPoint {
    /// `namespace:key:version`, as tables name it.
    pub fn id(&self) -> String {
        format!("{}:{}:{}", self.namespace, self.key, self.version)
    }

    pub fn reference(&self) -> DecisionPointRef {
        DecisionPointRef { namespace: self.namespace.clone(), key: self.key.clone(), version: self.version.clone() }
    }

    /// The index of a value given by its key or its name: the exact key first, then the key or the name
    /// ignoring case (validation makes sure no two values share either, ignoring case).
    pub fn value_index(&self, key_or_name: &str) -> Option<usize> {
        let wanted = key_or_name.trim();
        self.values
            .iter()
            .position(|v| v.key == wanted)
            .or_else(|| self.values.iter().position(|v| v.key.eq_ignore_ascii_case(wanted)))
            .or_else(|| self.values.iter().position(|v| v.name.eq_ignore_ascii_case(wanted)))
    }

    /// The value given by its key or name (see [`Self::value_index`]).
    pub fn value(&self, key_or_name: &str) -> Option<&DecisionPointValue> {
        self.value_index(key_or_name).map(|i| &self.values[i])
    }

    /// The position of the value with exactly this key, in the data's (increasing) order.
    pub fn ordinal(&self, key: &str) -> Option<usize> {
        self.values.iter().position(|v| v.key == key)
    }

    /// `N (None), P (Public PoC), A (Active)`, for messages.
    fn choices(&self) -> String {
        self.values.iter().map(|v| format!("{} ({})", v.key, v.name)).collect::<Vec<_>>().join(", ")
    }

    /// Reads and validates a standalone decision point document.
    pub fn from_json(json: &str) -> Result<DecisionPoint, Vec<Diagnostic>> {
        let point: DecisionPoint = read_json(json)?;
        let mut out = Diags::default();
        point.validate("", &mut out);
        out.into_result(point)
    }

    /// Checks the point; `pointer` is where it sits in its document.
    fn validate(&self, pointer: &str, out: &mut Diags) {
        for (field, value) in [("namespace", &self.namespace), ("key", &self.key), ("version", &self.version), ("name", &self.name)] {
            if value.trim().is_empty() {
                out.add(codes::MISSING_FIELD, format!("{pointer}/{field}"), format!("the decision point's \"{field}\" is empty"));
            }
        }
        if self.values.is_empty() {
            out.add(codes::NO_VALUES, format!("{pointer}/values"), format!("decision point {} has no values", self.id()));
        }
        for (i, v) in self.values.iter().enumerate() {
            let p = format!("{pointer}/values/{i}");
            if v.key.trim().is_empty() || v.name.trim().is_empty() {
                out.add(codes::MISSING_FIELD, p.clone(), "a value needs a key and a name");
                continue;
            }
            for (j, w) in self.values[..i].iter().enumerate() {
                if v.key.eq_ignore_ascii_case(&w.key) || v.name.eq_ignore_ascii_case(&w.name) {
                    out.add(
                        codes::DUPLICATE_VALUE,
                        p.clone(),
                        format!("value {} ({}) repeats the key or name of value {j} ({} ({}))", v.key, v.name, w.key, w.name),
                    );
                }
            }
            // Inputs are accepted by key or by name: a key that is another value's name would be ambiguous.
            if let Some(w) = self.values.iter().find(|w| w.key != v.key && w.name.eq_ignore_ascii_case(&v.key)) {
                out.add(codes::AMBIGUOUS_VALUE, p, format!("the key {} is also the name of value {}", v.key, w.key));
            }
        }
    }
}

/// One outcome of a decision, with its place in its outcome group's order.
///
/// Outcomes of the same group (decision point) are ordered as the data lists them: Track < Track* <
/// Attend < Act; defer < scheduled < out-of-cycle < immediate. Outcomes of different groups are not
/// comparable (`partial_cmp` is `None`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OutcomeValue {
    /// The outcome decision point (`cisa:CISA:1.1.0`).
    pub group: DecisionPointRef,
    pub key: String,
    pub name: String,
    /// The value's position in the group, from 0 (lowest).
    pub ordinal: usize,
}

impl PartialOrd for OutcomeValue {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        (self.group == other.group).then(|| self.ordinal.cmp(&other.ordinal))
    }
}

/// A decision: which table (and version) decided, on which inputs, and the outcome. What a store keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub table: TableRef,
    /// `(decision point key, value key)` for every input, in the table's order, normalised to keys
    /// (`("E", "A")`, not `("exploitation", "active")`).
    pub inputs: Vec<(String, String)>,
    pub outcome: OutcomeValue,
}

/// One row of a table: the value index of each input (in [`DecisionTable::decision_points`] order)
/// and of the outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub inputs: Vec<usize>,
    pub outcome: usize,
}

/// A validated decision table. Every combination of input values maps to exactly one outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionTable {
    namespace: String,
    key: String,
    version: String,
    name: String,
    definition: String,
    schema_version: Option<String>,
    inputs: Vec<DecisionPoint>,
    outcome: DecisionPoint,
    rows: Vec<Row>,
    /// The row of each combination, by mixed-radix index (first input most significant).
    by_combination: Vec<usize>,
}

/// The document as written; the decision point map keeps the file's order.
#[derive(Deserialize)]
struct RawTable {
    namespace: String,
    key: String,
    version: String,
    name: String,
    #[serde(default)]
    definition: String,
    #[serde(rename = "schemaVersion", default)]
    schema_version: Option<String>,
    #[serde(deserialize_with = "ordered_points")]
    decision_points: Vec<(String, DecisionPoint)>,
    outcome: String,
    mapping: Vec<BTreeMap<String, String>>,
}

fn ordered_points<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, DecisionPoint)>, D::Error> {
    struct Ordered;
    impl<'de> Visitor<'de> for Ordered {
        type Value = Vec<(String, DecisionPoint)>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object of decision points by id")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, DecisionPoint>()? {
                out.push((k, v));
            }
            Ok(out)
        }
    }
    d.deserialize_map(Ordered)
}

impl DecisionTable {
    /// Reads a table from SSVC JSON and validates it, reporting every problem with a JSON pointer.
    pub fn from_json(json: &str) -> Result<DecisionTable, Vec<Diagnostic>> {
        let raw: RawTable = read_json(json)?;
        let mut out = Diags::default();
        for (field, value) in [("namespace", &raw.namespace), ("key", &raw.key), ("version", &raw.version), ("name", &raw.name)] {
            if value.trim().is_empty() {
                out.add(codes::MISSING_FIELD, format!("/{field}"), format!("the table's \"{field}\" is empty"));
            }
        }
        for (i, (id, point)) in raw.decision_points.iter().enumerate() {
            let p = format!("/decision_points/{}", escape_pointer_token(id));
            point.validate(&p, &mut out);
            if *id != point.id() {
                out.add(codes::DECISION_POINT_ID_MISMATCH, p.clone(), format!("listed as {id} but it is {}", point.id()));
            }
            if raw.decision_points[..i].iter().any(|(other, _)| other == id) {
                out.add(codes::DUPLICATE_DECISION_POINT, p, format!("{id} is listed twice"));
            }
        }
        let Some(outcome_at) = raw.decision_points.iter().position(|(id, _)| *id == raw.outcome) else {
            out.add(codes::UNKNOWN_OUTCOME, "/outcome", format!("the outcome {} is not one of the table's decision points", raw.outcome));
            return Err(out.finish());
        };
        let ids: Vec<&str> = raw.decision_points.iter().map(|(id, _)| id.as_str()).collect();
        let mut points: Vec<DecisionPoint> = raw.decision_points.iter().map(|(_, p)| p.clone()).collect();
        let outcome = points.remove(outcome_at);
        let mut input_ids = ids.clone();
        input_ids.remove(outcome_at);
        let inputs = points;
        if inputs.is_empty() {
            out.add(codes::NO_INPUTS, "/decision_points", "the table has an outcome but no inputs");
        }
        for (i, p) in inputs.iter().enumerate() {
            if let Some(q) = inputs[..i].iter().find(|q| q.key.eq_ignore_ascii_case(&p.key)) {
                out.add(
                    codes::AMBIGUOUS_DECISION_POINT,
                    format!("/decision_points/{}", escape_pointer_token(input_ids[i])),
                    format!("inputs are given by key, and {} and {} share the key {}", q.id(), p.id(), p.key),
                );
            }
        }
        let mut combinations: usize = 1;
        for p in &inputs {
            combinations = combinations.saturating_mul(p.values.len().max(1));
        }
        if combinations > MAX_COMBINATIONS {
            out.add(codes::TOO_MANY_COMBINATIONS, "/decision_points", format!("{combinations} combinations of inputs; the limit is {MAX_COMBINATIONS}"));
        }
        if !out.list.is_empty() {
            return Err(out.finish());
        }

        // The rows.
        const UNSET: usize = usize::MAX;
        let mut by_combination = vec![UNSET; combinations];
        let mut rows = Vec::with_capacity(raw.mapping.len());
        // The index in the document of each kept row, for messages.
        let mut row_in_document = Vec::with_capacity(raw.mapping.len());
        for (ri, row) in raw.mapping.iter().enumerate() {
            let rp = format!("/mapping/{ri}");
            for col in row.keys() {
                if !ids.contains(&col.as_str()) {
                    out.add(codes::UNKNOWN_COLUMN, format!("{rp}/{}", escape_pointer_token(col)), format!("{col} is not one of the table's decision points"));
                }
            }
            let read = |point: &DecisionPoint, id: &str, out: &mut Diags| -> Option<usize> {
                let Some(value) = row.get(id) else {
                    out.add(codes::MISSING_COLUMN, rp.clone(), format!("the row has no value for {id} ({})", point.name));
                    return None;
                };
                let index = point.ordinal(value);
                if index.is_none() {
                    out.add(
                        codes::UNKNOWN_VALUE,
                        format!("{rp}/{}", escape_pointer_token(id)),
                        format!("\"{value}\" is not a value of {id}; its values are {}", point.choices()),
                    );
                }
                index
            };
            let values: Vec<Option<usize>> = inputs.iter().zip(&input_ids).map(|(p, id)| read(p, id, &mut out)).collect();
            let outcome_value = read(&outcome, &raw.outcome, &mut out);
            let (Some(values), Some(outcome_value)) = (values.into_iter().collect::<Option<Vec<usize>>>(), outcome_value) else { continue };
            let at = combination_index(&inputs, &values);
            let earlier = by_combination[at];
            if earlier != UNSET {
                let first: &Row = &rows[earlier];
                let verdict = if first.outcome == outcome_value { "the same outcome" } else { "a different outcome: the table contradicts itself" };
                out.add(
                    codes::DUPLICATE_ROW,
                    rp,
                    format!("the same inputs as row {} ({}), with {verdict}", row_in_document[earlier], describe(&inputs, &values)),
                );
                continue;
            }
            by_combination[at] = rows.len();
            rows.push(Row { inputs: values, outcome: outcome_value });
            row_in_document.push(ri);
        }
        // Combinations no row covers (reported only when every row could be read: a row with an unknown
        // value would otherwise show up twice, once as itself and once as the combination it missed).
        if out.list.is_empty() {
            for (at, row) in by_combination.iter().enumerate() {
                if *row == UNSET {
                    out.add(codes::MISSING_COMBINATION, "/mapping", format!("no row for {}", describe(&inputs, &combination_values(&inputs, at))));
                }
            }
        }
        let table = DecisionTable {
            namespace: raw.namespace,
            key: raw.key,
            version: raw.version,
            name: raw.name,
            definition: raw.definition,
            schema_version: raw.schema_version,
            inputs,
            outcome,
            rows,
            by_combination,
        };
        out.into_result(table)
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }
    pub fn key(&self) -> &str {
        &self.key
    }
    pub fn version(&self) -> &str {
        &self.version
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn definition(&self) -> &str {
        &self.definition
    }

    /// `namespace:key:version`.
    pub fn id(&self) -> String {
        format!("{}:{}:{}", self.namespace, self.key, self.version)
    }

    pub fn reference(&self) -> TableRef {
        TableRef { namespace: self.namespace.clone(), key: self.key.clone(), version: self.version.clone() }
    }

    /// The inputs, in the table's order.
    pub fn decision_points(&self) -> &[DecisionPoint] {
        &self.inputs
    }

    /// The input with this key (or id, or name, ignoring case).
    pub fn decision_point(&self, key: &str) -> Option<&DecisionPoint> {
        self.input_index(key).map(|i| &self.inputs[i])
    }

    /// The outcome decision point; its values, in order, are the possible outcomes.
    pub fn outcome(&self) -> &DecisionPoint {
        &self.outcome
    }

    /// The rows as written in the data (duplicates cannot exist in a valid table).
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Every possible outcome, lowest first.
    pub fn outcomes(&self) -> Vec<OutcomeValue> {
        (0..self.outcome.values.len()).map(|i| self.outcome_at(i)).collect()
    }

    /// The outcome with this key or name.
    pub fn outcome_value(&self, key_or_name: &str) -> Option<OutcomeValue> {
        self.outcome.value_index(key_or_name).map(|i| self.outcome_at(i))
    }

    fn outcome_at(&self, i: usize) -> OutcomeValue {
        let v = &self.outcome.values[i];
        OutcomeValue { group: self.outcome.reference(), key: v.key.clone(), name: v.name.clone(), ordinal: i }
    }

    fn input_index(&self, given: &str) -> Option<usize> {
        let given = given.trim();
        self.inputs
            .iter()
            .position(|p| p.key == given)
            .or_else(|| self.inputs.iter().position(|p| p.key.eq_ignore_ascii_case(given) || p.id() == given))
            .or_else(|| self.inputs.iter().position(|p| p.name.eq_ignore_ascii_case(given)))
    }

    /// Decides: `inputs` names each input decision point by key (`E`; also its id `ssvc:E:1.1.0` or name,
    /// ignoring case) and its value by key or name, ignoring case (`A`, `active`). Every problem is
    /// reported at once, with the pointer `/<decision point as given>` (as if the inputs were a JSON object):
    /// `missing_input`, `unknown_decision_point`, `unknown_value`, `conflicting_input`.
    pub fn decide<K: AsRef<str>, V: AsRef<str>>(&self, inputs: &[(K, V)]) -> Result<Decision, Vec<Diagnostic>> {
        let mut out = Diags::default();
        let mut chosen: Vec<Option<usize>> = vec![None; self.inputs.len()];
        for (k, v) in inputs {
            let (k, v) = (k.as_ref(), v.as_ref());
            let pointer = format!("/{}", escape_pointer_token(k));
            let Some(pi) = self.input_index(k) else {
                let is_outcome = self.outcome.key.eq_ignore_ascii_case(k.trim()) || self.outcome.id() == k.trim();
                let message = if is_outcome {
                    format!("{k} is the table's outcome, not an input")
                } else {
                    let list: Vec<String> = self.inputs.iter().map(|p| format!("{} ({})", p.key, p.name)).collect();
                    format!("{k} is not an input of {}; its inputs are {}", self.id(), list.join(", "))
                };
                out.add(codes::UNKNOWN_DECISION_POINT, pointer, message);
                continue;
            };
            let point = &self.inputs[pi];
            let Some(vi) = point.value_index(v) else {
                out.add(codes::UNKNOWN_VALUE, pointer, format!("\"{v}\" is not a value of {} ({}); its values are {}", point.key, point.name, point.choices()));
                continue;
            };
            match chosen[pi] {
                Some(earlier) if earlier != vi => out.add(
                    codes::CONFLICTING_INPUT,
                    pointer,
                    format!("{} ({}) is given twice, as {} and as {}", point.key, point.name, point.values[earlier].key, point.values[vi].key),
                ),
                _ => chosen[pi] = Some(vi),
            }
        }
        for (p, c) in self.inputs.iter().zip(&chosen) {
            if c.is_none() {
                out.add(
                    codes::MISSING_INPUT,
                    format!("/{}", escape_pointer_token(&p.key)),
                    format!("{} ({}) is required; its values are {}", p.key, p.name, p.choices()),
                );
            }
        }
        if !out.list.is_empty() {
            return Err(out.finish());
        }
        let values: Vec<usize> = chosen.into_iter().flatten().collect();
        let row = &self.rows[self.by_combination[combination_index(&self.inputs, &values)]];
        Ok(Decision {
            table: self.reference(),
            inputs: self.inputs.iter().zip(&values).map(|(p, &v)| (p.key.clone(), p.values[v].key.clone())).collect(),
            outcome: self.outcome_at(row.outcome),
        })
    }
}

/// Serialises as SSVC JSON (the shape [`DecisionTable::from_json`] reads), the outcome last.
impl Serialize for DecisionTable {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Points<'a>(&'a [DecisionPoint], &'a DecisionPoint);
        impl Serialize for Points<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len() + 1))?;
                for p in self.0.iter().chain([self.1]) {
                    m.serialize_entry(&p.id(), p)?;
                }
                m.end()
            }
        }
        struct Mapping<'a>(&'a DecisionTable);
        impl Serialize for Mapping<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeSeq;
                let t = self.0;
                let mut seq = s.serialize_seq(Some(t.rows.len()))?;
                for row in &t.rows {
                    let mut entries: Vec<(String, &str)> = t.inputs.iter().zip(&row.inputs).map(|(p, &v)| (p.id(), p.values[v].key.as_str())).collect();
                    entries.push((t.outcome.id(), t.outcome.values[row.outcome].key.as_str()));
                    seq.serialize_element(&OrderedRow(entries))?;
                }
                seq.end()
            }
        }
        struct OrderedRow<'a>(Vec<(String, &'a str)>);
        impl Serialize for OrderedRow<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for (k, v) in &self.0 {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
        let fields = if self.schema_version.is_some() { 9 } else { 8 };
        let mut st = s.serialize_struct("DecisionTable", fields)?;
        st.serialize_field("namespace", &self.namespace)?;
        st.serialize_field("key", &self.key)?;
        st.serialize_field("version", &self.version)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("definition", &self.definition)?;
        if let Some(v) = &self.schema_version {
            st.serialize_field("schemaVersion", v)?;
        }
        st.serialize_field("decision_points", &Points(&self.inputs, &self.outcome))?;
        st.serialize_field("outcome", &self.outcome.id())?;
        st.serialize_field("mapping", &Mapping(self))?;
        st.end()
    }
}

fn combination_index(inputs: &[DecisionPoint], values: &[usize]) -> usize {
    inputs.iter().zip(values).fold(0, |acc, (p, &v)| acc * p.values.len() + v)
}

fn combination_values(inputs: &[DecisionPoint], mut at: usize) -> Vec<usize> {
    let mut out = vec![0; inputs.len()];
    for (i, p) in inputs.iter().enumerate().rev() {
        let n = p.values.len();
        out[i] = at % n;
        at /= n;
    }
    out
}

/// `E=N, A=Y, TI=T`.
fn describe(inputs: &[DecisionPoint], values: &[usize]) -> String {
    inputs.iter().zip(values).map(|(p, &v)| format!("{}={}", p.key, p.values[v].key)).collect::<Vec<_>>().join(", ")
}

/// Reads JSON into `T`, reporting a syntax error with its line and column and a data error with the
/// JSON pointer of the offending value.
fn read_json<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T, Vec<Diagnostic>> {
    if json.len() > MAX_DOCUMENT_BYTES {
        return Err(vec![Diagnostic::new(codes::INPUT_TOO_LARGE, "", format!("the document is {} bytes; the limit is {MAX_DOCUMENT_BYTES}", json.len()))]);
    }
    let mut de = serde_json::Deserializer::from_str(json);
    let value: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    match value {
        Ok(v) => match de.end() {
            Ok(()) => Ok(v),
            Err(e) => Err(vec![Diagnostic::new(codes::INVALID_JSON, "", e.to_string())]),
        },
        Err(e) => {
            let inner = e.inner();
            if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                return Err(vec![Diagnostic::new(codes::INVALID_JSON, "", inner.to_string())]);
            }
            let mut pointer = String::new();
            for seg in e.path().iter() {
                match seg {
                    serde_path_to_error::Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
                    serde_path_to_error::Segment::Map { key } => pointer.push_str(&format!("/{}", escape_pointer_token(key))),
                    serde_path_to_error::Segment::Enum { variant } => pointer.push_str(&format!("/{}", escape_pointer_token(variant))),
                    serde_path_to_error::Segment::Unknown => pointer.push_str("/?"),
                }
            }
            Err(vec![Diagnostic::new(codes::INVALID_DOCUMENT, pointer, inner.to_string())])
        }
    }
}

/// Collects diagnostics up to [`MAX_DIAGNOSTICS`].
#[derive(Default)]
pub(crate) struct Diags {
    pub(crate) list: Vec<Diagnostic>,
    dropped: usize,
}

impl Diags {
    pub(crate) fn add(&mut self, code: &str, pointer: impl Into<String>, message: impl Into<String>) {
        if self.list.len() < MAX_DIAGNOSTICS {
            self.list.push(Diagnostic::new(code, pointer, message));
        } else {
            self.dropped += 1;
        }
    }

    pub(crate) fn finish(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            self.list.push(Diagnostic::new(codes::TOO_MANY_DIAGNOSTICS, "", format!("{} more diagnostics were left out", self.dropped)));
        }
        self.list
    }

    pub(crate) fn into_result<T>(self, value: T) -> Result<T, Vec<Diagnostic>> {
        if self.list.is_empty() { Ok(value) } else { Err(self.finish()) }
    }
}
