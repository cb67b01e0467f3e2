//! The index schema, its tokenizers, and how an item becomes a document.
//!
//! Text fields are tokenised on non-alphanumeric characters, lowercased and ASCII-folded, with no
//! stemming: a prefix (`occlu*`) or a highlight then means exactly what the reader typed, and the
//! typo-tolerant fallback covers plurals ("alarms" finds "alarm" at distance 1).

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use sha2::{Digest, Sha256};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{Index, TantivyDocument};
use tracebook_model::Item;

/// Bumped when the tokenizers or the document mapping change, so that every item's content hash
/// changes and the next sync re-indexes everything (a schema change recreates the index anyway).
const MAPPING_VERSION: &str = "1";
/// The analyzer of title, body and field values.
pub(super) const TEXT_TOKENIZER: &str = "tb_text";
/// The analyzer of `id_lc`: the whole id, lowercased, as one token.
const ID_TOKENIZER: &str = "tb_id";
/// Tokens longer than this are dropped (base64 blobs, hashes): they are never searched for.
const MAX_TOKEN_LEN: usize = 40;

/// The fields of the index, resolved once.
#[derive(Clone, Copy, Debug)]
pub(super) struct Fields {
    /// The id as written: exact term for delete-by-term, stored, fast (read back by sync).
    pub(super) id: Field,
    /// The id lowercased, for `id:` filters and "exact id ranks first".
    pub(super) id_lc: Field,
    pub(super) title: Field,
    /// Plain text of the Markdown body, stored for snippets.
    pub(super) body: Field,
    pub(super) kind: Field,
    pub(super) status: Field,
    pub(super) tags: Field,
    /// The values of the schema fields (not their names), as text.
    pub(super) fields: Field,
    /// [`content_hash`] of the indexed version, fast, read back by sync.
    pub(super) hash: Field,
}

/// Fast-field names read by sync and by the facet collector.
pub(super) const ID: &str = "id";
pub(super) const KIND: &str = "kind";
pub(super) const STATUS: &str = "status";
pub(super) const HASH: &str = "hash";

/// The schema and its fields.
pub(super) fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(TEXT_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let raw_fast = STRING | STORED;
    let id_lc = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ID_TOKENIZER)
            .set_index_option(IndexRecordOption::Basic),
    );
    let fields = Fields {
        id: builder.add_text_field(ID, raw_fast.clone().set_fast("raw")),
        id_lc: builder.add_text_field("id_lc", id_lc),
        title: builder.add_text_field("title", text(true)),
        body: builder.add_text_field("body", text(true)),
        kind: builder.add_text_field(KIND, raw_fast.clone().set_fast("raw")),
        status: builder.add_text_field(STATUS, raw_fast.clone().set_fast("raw")),
        tags: builder.add_text_field("tags", raw_fast),
        fields: builder.add_text_field("fields", text(false)),
        hash: builder.add_u64_field(HASH, FAST),
    };
    (builder.build(), fields)
}

/// Registers our analyzers on `index`: they are not persisted, so every open needs this.
pub(super) fn register_tokenizers(index: &Index) {
    index.tokenizers().register(TEXT_TOKENIZER, text_analyzer());
    index.tokenizers().register(
        ID_TOKENIZER,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}

/// The analyzer of the text fields (also used to tokenise query words and snippets).
pub(super) fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The tokens `text` is indexed as.
pub(super) fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// What sync compares: a change of content (the fingerprint covers id, kind, title, fields and
/// body), status or tags changes the hash.
pub(super) fn content_hash(item: &Item) -> u64 {
    let mut hasher = Sha256::new();
    for part in [
        MAPPING_VERSION,
        &item.id,
        &item.fingerprint.to_string(),
        &item.status,
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    for tag in &item.tags {
        hasher.update(tag.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// The document for `item`.
pub(super) fn document(fields: &Fields, item: &Item) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    doc.add_text(fields.id, &item.id);
    doc.add_text(fields.id_lc, &item.id);
    doc.add_text(fields.title, &item.title);
    doc.add_text(fields.body, plain_text(&item.body));
    doc.add_text(fields.kind, &item.kind);
    doc.add_text(fields.status, &item.status);
    for tag in &item.tags {
        doc.add_text(fields.tags, tag);
    }
    for field in &item.fields {
        let mut value = String::new();
        value_text(&field.value, &mut value);
        if !value.trim().is_empty() {
            doc.add_text(fields.fields, value);
        }
    }
    doc.add_u64(fields.hash, content_hash(item));
    doc
}

/// A field value as words: strings as written, numbers and booleans as JSON, lists flattened.
fn value_text(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Null => {}
        serde_json::Value::String(text) => push_spaced(out, text),
        serde_json::Value::Array(values) => values.iter().for_each(|v| value_text(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| value_text(v, out)),
        other => push_spaced(out, &other.to_string()),
    }
}

fn push_spaced(out: &mut String, text: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(text);
}

/// The readable text of a Markdown body: what a snippet shows. Raw HTML is dropped (item text is
/// untrusted, and tags are not words); blocks end with a newline, inline breaks become spaces.
pub(super) fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::TableCell) => out.push(' '),
            Event::Start(Tag::Item) if !out.is_empty() => end_line(&mut out),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::Item
                | TagEnd::TableRow
                | TagEnd::BlockQuote(_),
            ) => end_line(&mut out),
            _ => {}
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

fn end_line(out: &mut String) {
    if !out.ends_with('\n') {
        out.push('\n');
    }
}
