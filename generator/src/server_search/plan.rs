//! Turns parsed clauses into one tantivy query.
//!
//! Every positive clause is a MUST; a word is a SHOULD over the fields it may be found in, each
//! with a boost: the id (so an id typed as the query ranks its item first), then the title,
//! the field values and the body. Filters score nothing. In fuzzy mode each word is replaced by
//! the indexed terms within its edit distance (expanded here, so they score with BM25 and
//! highlight like typed words).

use std::collections::BTreeSet;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhrasePrefixQuery,
    PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term as IndexTerm};

use super::query::{Attribute, Clause, Term};
use super::schema::{Fields, text_analyzer, tokens};

/// An id typed as a word outweighs any combination of text matches.
const ID_BOOST: f32 = 50.0;
const TITLE_BOOST: f32 = 3.0;
const FIELDS_BOOST: f32 = 1.5;
const BODY_BOOST: f32 = 1.0;
/// Fuzzy expansions kept per word and field (a typo matches a handful of terms in practice).
const MAX_EXPANSIONS: usize = 32;

/// A query ready to run, with what the snippets need to highlight prefix matches.
pub(super) struct Plan {
    pub(super) query: Box<dyn Query>,
    /// Lowercased prefixes typed (`occlu*`): body words starting with them are highlighted.
    pub(super) prefixes: Vec<String>,
    /// The query has a positive word, phrase or prefix, so a fuzzy retry can make sense.
    pub(super) has_text: bool,
    /// Each positive word or phrase as an `id_lc` term: the items they name rank first.
    pub(super) id_terms: Vec<IndexTerm>,
}

/// Builds queries against one searcher (fuzzy mode reads its term dictionaries).
pub(super) struct Planner<'a> {
    searcher: &'a Searcher,
    fields: Fields,
    analyzer: TextAnalyzer,
    fuzzy: bool,
}

impl<'a> Planner<'a> {
    pub(super) fn new(searcher: &'a Searcher, fields: Fields, fuzzy: bool) -> Planner<'a> {
        Planner {
            searcher,
            fields,
            analyzer: text_analyzer(),
            fuzzy,
        }
    }

    /// The query for `clauses` plus the `kind` and `status` parameters.
    pub(super) fn plan(
        &mut self,
        clauses: &[Clause],
        kind: Option<&str>,
        status: Option<&str>,
    ) -> tantivy::Result<Plan> {
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut prefixes = Vec::new();
        let mut has_text = false;
        let mut id_terms = Vec::new();
        let params = [(Attribute::Kind, kind), (Attribute::Status, status)];
        for (attribute, value) in params {
            if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
                parts.push((Occur::Must, self.filter(attribute, value, false)));
            }
        }
        for clause in clauses {
            let query = match &clause.term {
                Term::Word(word) => self.word(word)?,
                Term::Phrase(text) => self.word(text)?,
                Term::Prefix(prefix) => {
                    let query = self.prefix(prefix);
                    if query.is_some() && !clause.negated {
                        prefixes.extend(tokens(&mut self.analyzer, prefix).pop());
                    }
                    query
                }
                Term::Filter {
                    attribute,
                    value,
                    prefix,
                } => Some(self.filter(*attribute, value, *prefix)),
            };
            let Some(query) = query else { continue };
            if let (Term::Word(text) | Term::Phrase(text), false) = (&clause.term, clause.negated) {
                id_terms.push(IndexTerm::from_field_text(
                    self.fields.id_lc,
                    &text.to_lowercase(),
                ));
            }
            has_text |= !clause.negated && !matches!(clause.term, Term::Filter { .. });
            let occur = if clause.negated {
                Occur::MustNot
            } else {
                Occur::Must
            };
            parts.push((occur, query));
        }
        if !parts.iter().any(|(occur, _)| *occur == Occur::Must) {
            parts.push((Occur::Must, Box::new(AllQuery)));
        }
        Ok(Plan {
            query: Box::new(BooleanQuery::new(parts)),
            prefixes,
            has_text,
            id_terms,
        })
    }

    fn text_fields(&self) -> [(Field, f32); 3] {
        [
            (self.fields.title, TITLE_BOOST),
            (self.fields.fields, FIELDS_BOOST),
            (self.fields.body, BODY_BOOST),
        ]
    }

    /// A word or phrase: its id, or its tokens in a row in a text field. None when the text
    /// has no token (punctuation only): such a clause is dropped rather than matching nothing.
    fn word(&mut self, text: &str) -> tantivy::Result<Option<Box<dyn Query>>> {
        let words = tokens(&mut self.analyzer, text);
        if words.is_empty() {
            return Ok(None);
        }
        let id = IndexTerm::from_field_text(self.fields.id_lc, &text.to_lowercase());
        let mut options: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Should,
            boosted(TermQuery::new(id, IndexRecordOption::Basic), ID_BOOST),
        )];
        if self.fuzzy {
            // Each token near-matched, all of them required: word order is not kept.
            let mut all: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for word in &words {
                all.push((Occur::Must, self.fuzzy_word(word)?));
            }
            options.push((Occur::Should, Box::new(BooleanQuery::new(all))));
        } else {
            for (field, boost) in self.text_fields() {
                options.push((Occur::Should, exact(field, &words, boost)));
            }
        }
        Ok(Some(Box::new(BooleanQuery::new(options))))
    }

    /// One token in any text field, within its edit distance.
    fn fuzzy_word(&self, word: &str) -> tantivy::Result<Box<dyn Query>> {
        let distance = fuzzy_distance(word);
        let mut options: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost) in self.text_fields() {
            for term in self.expand(field, word, distance)? {
                let term = IndexTerm::from_field_text(field, &term);
                options.push((
                    Occur::Should,
                    boosted(TermQuery::new(term, IndexRecordOption::WithFreqs), boost),
                ));
            }
        }
        Ok(Box::new(BooleanQuery::new(options)))
    }

    /// The indexed terms of `field` within `distance` of `word` (transpositions cost one).
    fn expand(&self, field: Field, word: &str, distance: u8) -> tantivy::Result<BTreeSet<String>> {
        let query = FuzzyTermQuery::new(IndexTerm::from_field_text(field, word), distance, true);
        let mut found = BTreeSet::new();
        for segment in self.searcher.segment_readers() {
            let inverted = segment.inverted_index(field)?;
            let mut stream = inverted.terms().search(query.automaton()?).into_stream()?;
            while found.len() < MAX_EXPANSIONS && stream.advance() {
                if let Ok(term) = std::str::from_utf8(stream.key()) {
                    found.insert(term.to_owned());
                }
            }
        }
        Ok(found)
    }

    /// `occlu*`: a text word or an id starting with the prefix. Constant score per field.
    fn prefix(&mut self, prefix: &str) -> Option<Box<dyn Query>> {
        let words = tokens(&mut self.analyzer, prefix);
        if words.is_empty() {
            return None;
        }
        let id = IndexTerm::from_field_text(self.fields.id_lc, &prefix.to_lowercase());
        let mut options: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Should,
            boosted(FuzzyTermQuery::new_prefix(id, 0, true), TITLE_BOOST),
        )];
        for (field, boost) in self.text_fields() {
            let query: Box<dyn Query> = match words.as_slice() {
                [word] => Box::new(FuzzyTermQuery::new_prefix(
                    IndexTerm::from_field_text(field, word),
                    0,
                    true,
                )),
                _ => Box::new(PhrasePrefixQuery::new(field_terms(field, &words))),
            };
            options.push((Occur::Should, Box::new(BoostQuery::new(query, boost))));
        }
        Some(Box::new(BooleanQuery::new(options)))
    }

    /// `kind:hazard` and friends: exact (or prefix) value, no score.
    fn filter(&self, attribute: Attribute, value: &str, prefix: bool) -> Box<dyn Query> {
        let (field, value) = match attribute {
            Attribute::Kind => (self.fields.kind, value.to_owned()),
            Attribute::Status => (self.fields.status, value.to_owned()),
            Attribute::Tag => (self.fields.tags, value.to_owned()),
            Attribute::Id => (self.fields.id_lc, value.to_lowercase()),
        };
        let term = IndexTerm::from_field_text(field, &value);
        let query: Box<dyn Query> = if prefix {
            Box::new(FuzzyTermQuery::new_prefix(term, 0, true))
        } else {
            Box::new(TermQuery::new(term, IndexRecordOption::Basic))
        };
        Box::new(ConstScoreQuery::new(query, 0.0))
    }
}

/// Edit distance allowed for a typo: none for 1-2 letters (everything would match), 1 up to
/// five letters, 2 beyond.
fn fuzzy_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=2 => 0,
        3..=5 => 1,
        _ => 2,
    }
}

/// The tokens in a row in `field`: a term for one token, a phrase for several.
fn exact(field: Field, words: &[String], boost: f32) -> Box<dyn Query> {
    match words {
        [word] => boosted(
            TermQuery::new(
                IndexTerm::from_field_text(field, word),
                IndexRecordOption::WithFreqs,
            ),
            boost,
        ),
        _ => boosted(PhraseQuery::new(field_terms(field, words)), boost),
    }
}

fn field_terms(field: Field, words: &[String]) -> Vec<IndexTerm> {
    words
        .iter()
        .map(|word| IndexTerm::from_field_text(field, word))
        .collect()
}

fn boosted(query: impl Query, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(query), boost))
}
