"""Top terms per category and sub-themes within a category, from stored lemma strings.

The input documents are the lemma strings computed once at intake (`Analysis.lemma_text`: lemmas
joined by spaces, lower case); nothing here runs spaCy, so a summary of 100,000 comments costs a few
seconds of sparse matrix arithmetic.

- `category_terms` ranks the words of each category by class-based TF-IDF (c-TF-IDF, as in
  BERTopic): the term's frequency in the class, normalised by the class's number of words, times
  `log(1 + A / f_t)`, where `A` is the average number of words per class and `f_t` the term's
  frequency over all classes.
- `subthemes` clusters one category's documents into a few sub-themes: TF-IDF (sublinear) →
  TruncatedSVD (latent semantic analysis) → unit length → k-means for k = 2…5, the k with the best
  silhouette on a fixed-seed sample. Each sub-theme gets its c-TF-IDF terms (against the other
  sub-themes of the category) and representative documents to quote.

Everything is deterministic for the same input and seed: vocabularies are sorted, ties are broken
by the lemma or the document index, and every random step takes the seed.
"""

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics import pairwise_distances, silhouette_score
from sklearn.preprocessing import normalize
from spacy.lang.en.stop_words import STOP_WORDS as _EN_STOP_WORDS
from spacy.lang.fi.stop_words import STOP_WORDS as _FI_STOP_WORDS
from spacy.lang.sv.stop_words import STOP_WORDS as _SV_STOP_WORDS
from threadpoolctl import threadpool_limits

# Lemmas that carry no theme in this corpus, chosen from the most frequent lemmas of the labelled
# corpus that are not in spaCy's lists:
# - what every comment is about: the county and the programme ("alue" is mostly "the county",
#   short for "hyvinvointialue"; the Swedish lookup table leaves "välfärdsområdet" inflected);
# - modal and speech verbs ("one should say that we want..."), fillers;
# - function words that the lemmatizers turn into odd lemmas: Voikko reads "kuin" as "kuu",
#   "ilman" as "ilma", "paljon" as "paljo", "vuonna" as "vuo"; the Swedish lookup table turns
#   "har" into "hare", "med" into "mede", "men" into "mena", "ska" into "skola", "vill" into
#   "villa", "man" into "mana", "får" into "fåra", "för" into "föra", "bara" into "bar", "finns"
#   into "finne", "ni" into "nia", "han"/"hon" into "hane"/"hona", "hela" into "hel"; the English
#   one "does" into "doe".
# Tokens shorter than three characters and tokens with digits are dropped as well (`is_term`).
DOMAIN_STOP_WORDS: frozenset[str] = frozenset(
    {
        # the county and the programme
        "alue", "hyvinvointialue", "ohjelma", "välfärdsområde", "välfärdsområdet",
        "välfärdsområdets", "program", "programmet", "county", "programme",
        # Finnish
        "olla", "voida", "pitää", "saada", "tehdä", "tulla", "tietää", "haluta", "toivoa",
        "sanoa", "kertoa", "puhua", "kysyä", "esittää", "ehdottaa", "todeta", "nähdä", "ottaa",
        "päästä", "jäädä", "pystyä", "käydä", "myös", "vara", "kuu", "ilma", "paljo", "vuo",
        "oltu", "osa", "lisä", "puoli", "tällainen", "esimerkki", "asia", "kerta", "koko",
        "kyllä", "vain", "nyt", "aina", "jopa", "vielä", "siis", "eli", "esim", "tms", "jne",
        # Swedish
        "ska", "kunna", "skola", "hare", "mede", "mena", "villa", "mana", "fåra", "föra", "bar",
        "finne", "nia", "dema", "mycken", "mången", "vada", "sån", "ficka", "int", "reda",
        "hane", "hona", "hel", "böra", "veta", "säga", "tycka", "tro", "göra", "komma", "behöva",
        "också",
        # English
        "doe", "like", "come", "know", "tell", "want", "ask", "actually", "thing", "way", "look",
        "say", "think", "get", "make", "need", "let",
    }
)  # fmt: skip

# Words of spaCy's stop lists that name what this domain is about ("oma tuotanto" is own
# production, "pienet tuottajat" small producers, "uudet mallit" new models): kept as terms.
DOMAIN_KEEP_WORDS: frozenset[str] = frozenset(
    {"oma", "own", "pieni", "liten", "uusi", "ny", "suuri", "stor"}
)

STOP_WORDS: frozenset[str] = (
    frozenset(_FI_STOP_WORDS | _SV_STOP_WORDS | _EN_STOP_WORDS) - DOMAIN_KEEP_WORDS
) | DOMAIN_STOP_WORDS

MIN_TOKEN_LENGTH = 3
MIN_DOCS_FOR_SUBTHEMES = 10
READABLE_WORDS = (8, 60)  # representatives of this many words are preferred (quotable)
SILHOUETTE_SAMPLE = 2000
MAX_SVD_COMPONENTS = 100


@dataclass(frozen=True)
class Term:
    """A lemma (or two lemmas: a bigram) that characterises a class of documents."""

    lemma: str
    weight: float  # c-TF-IDF
    count: int  # documents of the class that contain it


@dataclass(frozen=True)
class Subtheme:
    """A cluster of one category's documents."""

    size: int
    share: float  # of the category's documents
    terms: list[Term]  # c-TF-IDF against the other sub-themes of the category
    members: list[int]  # indices into the documents, ascending
    representatives: list[int]  # members to quote: nearest the centre, of readable length


def is_term(token: str) -> bool:
    """Whether a lemma may be a term: not a stop word, not too short, no digits."""
    return (
        len(token) >= MIN_TOKEN_LENGTH
        and token not in STOP_WORDS
        and not any(ch.isdigit() for ch in token)
    )


def default_bigram_min_df(n_docs: int) -> int:
    """Bigrams are kept when they occur in at least this many documents (0.2 %, at least 3)."""
    return max(3, int(np.ceil(0.002 * n_docs)))


def _token_ids(docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The tokens of every document that pass `is_term`, as ids in document order.

    Returns (ids, the document of each id, the lemma of each id). One pass of plain dictionary
    look-ups, and bigrams are then counted as integer pairs: the comments of a whole county
    (compounds, typos, names) have hundreds of thousands of distinct lemmas and millions of
    distinct bigrams, which made scikit-learn's CountVectorizer take 12 s for 100,000 comments.
    """
    ids: dict[str, int] = {}
    names: list[str] = []
    flat = array("i")
    lengths = np.zeros(len(docs), dtype=np.int64)
    get = ids.get
    for d, doc in enumerate(docs):
        tokens = doc.split()
        seq = [get(token, -2) for token in tokens]
        if -2 in seq:  # tokens not seen before
            for k, token in enumerate(tokens):
                if seq[k] == -2:
                    known = get(token)
                    if known is None:
                        known = ids[token] = len(names) if is_term(token) else -1
                        if known >= 0:
                            names.append(token)
                    seq[k] = known
        flat.extend(seq)
        lengths[d] = len(seq)
    token_ids = np.frombuffer(flat, dtype=np.int32).astype(np.int64) if flat else np.zeros(0, int)
    doc_of = np.repeat(np.arange(len(docs)), lengths)
    kept = token_ids >= 0
    return token_ids[kept], doc_of[kept], names


def _counts(
    rows: np.ndarray, keys: np.ndarray, n_docs: int, min_df: int
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Documents × keys counts of the keys found in at least `min_df` documents, and the keys."""
    if keys.size == 0:
        return sp.csr_matrix((n_docs, 0), dtype=np.int32), keys
    distinct, column = np.unique(keys, return_inverse=True)
    matrix = sp.csr_matrix(
        (np.ones(len(keys), dtype=np.int32), (rows, column)), shape=(n_docs, len(distinct))
    )
    matrix.sum_duplicates()
    keep = np.flatnonzero(matrix.getnnz(axis=0) >= max(min_df, 1))
    return matrix[:, keep].tocsr(), distinct[keep]


def count_matrix(
    docs: Sequence[str], *, min_df: int = 2, bigram_min_df: int | None = None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Documents × terms counts, and the terms (sorted: unigrams, then bigrams).

    Unigrams are the lemmas that pass `is_term` in at least `min_df` documents. Bigrams are two
    such lemmas in a row (stop words between them are skipped, a rare lemma breaks the pair, a
    lemma and itself is no pair) in at least `bigram_min_df` documents (default 0.2 %, at least
    3). The matrix has no columns when no term is frequent enough.
    """
    n_docs = len(docs)
    if bigram_min_df is None:
        bigram_min_df = default_bigram_min_df(n_docs)
    token_ids, doc_of, names = _token_ids(docs)
    unigrams, unigram_ids = _counts(doc_of, token_ids, n_docs, min_df)

    frequent = np.zeros(len(names), dtype=bool)
    frequent[unigram_ids] = True
    first, second = token_ids[:-1], token_ids[1:]
    pair = (doc_of[:-1] == doc_of[1:]) & frequent[first] & frequent[second] & (first != second)
    codes = first[pair] * len(names) + second[pair]
    bigrams, bigram_codes = _counts(doc_of[:-1][pair], codes, n_docs, max(bigram_min_df, min_df))

    name_array = np.array(names, dtype=object)
    unigram_terms = name_array[unigram_ids]
    bigram_terms = np.array(
        [f"{name_array[c // len(names)]} {name_array[c % len(names)]}" for c in bigram_codes],
        dtype=object,
    )
    unigram_order = np.argsort(unigram_terms.astype(str), kind="stable")
    bigram_order = np.argsort(bigram_terms.astype(str), kind="stable")
    matrix = sp.hstack([unigrams[:, unigram_order], bigrams[:, bigram_order]], format="csr")
    terms = np.concatenate([unigram_terms[unigram_order], bigram_terms[bigram_order]])
    return matrix.astype(np.int32), terms


def _class_terms(
    counts: sp.csr_matrix,
    terms: np.ndarray,
    classes: np.ndarray,
    n_classes: int,
    top: int,
) -> list[list[Term]]:
    """The `top` c-TF-IDF terms of each class (classes are integers 0…n_classes-1)."""
    n_docs = counts.shape[0]
    if counts.shape[1] == 0 or n_docs == 0:
        return [[] for _ in range(n_classes)]
    indicator = sp.csr_matrix(
        (np.ones(n_docs), (classes, np.arange(n_docs))), shape=(n_classes, n_docs)
    )
    class_counts = np.asarray((indicator @ counts).todense(), dtype=np.float64)
    presence = counts.copy()
    presence.data = np.ones_like(presence.data)
    class_doc_freq = np.asarray((indicator @ presence).todense()).astype(np.int64)
    class_sizes = np.bincount(classes, minlength=n_classes)

    # tf: the term's count in the class over the class's number of words (L1 per class);
    # idf: log(1 + average words per (non-empty) class / the term's count over all classes).
    words_per_class = class_counts.sum(axis=1, keepdims=True)
    tf = class_counts / np.maximum(words_per_class, 1.0)
    average_words = class_counts.sum() / max(int((words_per_class > 0).sum()), 1)
    idf = np.log1p(average_words / np.maximum(class_counts.sum(axis=0), 1.0))
    weights = tf * idf

    result: list[list[Term]] = []
    names = terms.astype(str)
    for c in range(n_classes):
        # In a class of ten or more documents a term must occur in two of them to be shown.
        min_count = 2 if class_sizes[c] >= MIN_DOCS_FOR_SUBTHEMES else 1
        eligible = np.flatnonzero((weights[c] > 0) & (class_doc_freq[c] >= min_count))
        # Rounded so that last-bit differences between machines cannot reorder near-ties.
        rounded = np.round(weights[c, eligible], 12)
        order = np.lexsort((names[eligible], -rounded))[:top]
        result.append(
            [
                Term(
                    lemma=str(names[eligible[i]]),
                    weight=float(weights[c, eligible[i]]),
                    count=int(class_doc_freq[c, eligible[i]]),
                )
                for i in order
            ]
        )
    return result


def category_terms(
    docs: list[str],
    labels: list[str],
    *,
    top: int = 10,
    categories: Sequence[str] | None = None,
    min_df: int = 2,
    bigram_min_df: int | None = None,
) -> dict[str, list[Term]]:
    """The `top` c-TF-IDF terms of each category, keyed by category.

    `docs` are lemma strings, `labels` their categories. The keys are `categories` in the given
    order (a category without documents gets an empty list; labels outside it are ignored), or
    else the labels present, sorted. Unigrams need `min_df` documents in all, bigrams
    `bigram_min_df` (default 0.2 % of the documents, at least 3). Terms are ordered by weight, ties
    by lemma.
    """
    if len(docs) != len(labels):
        raise ValueError("docs and labels must have the same length")
    keys = list(categories) if categories is not None else sorted(set(labels))
    index = {key: i for i, key in enumerate(keys)}
    chosen = [i for i, label in enumerate(labels) if label in index]
    chosen_docs = [docs[i] for i in chosen]
    classes = np.array([index[labels[i]] for i in chosen], dtype=np.int64)
    counts, terms = count_matrix(chosen_docs, min_df=min_df, bigram_min_df=bigram_min_df)
    per_class = _class_terms(counts, terms, classes, len(keys), top)
    return dict(zip(keys, per_class, strict=True))


def _word_counts(docs: Sequence[str]) -> np.ndarray:
    return np.array([len(doc.split()) for doc in docs], dtype=np.int64)


def _representatives(
    members: np.ndarray,
    similarity: np.ndarray,
    words: np.ndarray,
    docs: Sequence[str],
    quotes: int,
) -> list[int]:
    """Members most similar to the centre, readable lengths first, without repeated texts."""
    low, high = READABLE_WORDS
    readable = (words[members] >= low) & (words[members] <= high)
    # Sort by: readable first, then most similar (rounded for stability), then index.
    order = np.lexsort((members, -np.round(similarity[members], 9), ~readable))
    chosen: list[int] = []
    seen: set[str] = set()
    for i in members[order]:
        if len(chosen) >= quotes:
            break
        if docs[i] in seen:
            continue
        seen.add(docs[i])
        chosen.append(int(i))
    return chosen


def _single_theme(
    docs: Sequence[str], counts: sp.csr_matrix, terms: np.ndarray, top_terms: int, quotes: int
) -> list[Subtheme]:
    """All documents as one theme; representatives are the readable ones, in order."""
    n = len(docs)
    members = np.arange(n)
    theme_terms = _class_terms(counts, terms, np.zeros(n, dtype=np.int64), 1, top_terms)[0]
    representatives = _representatives(members, np.zeros(n), _word_counts(docs), docs, quotes)
    return [Subtheme(n, 1.0, theme_terms, members.tolist(), representatives)]


def subthemes(
    docs: list[str],
    *,
    k_min: int = 2,
    k_max: int = 5,
    seed: int = 0,
    top_terms: int = 6,
    quotes: int = 2,
    max_docs_for_model: int = 5000,
) -> list[Subtheme]:
    """Cluster one category's documents (lemma strings) into `k_min`…`k_max` sub-themes.

    TF-IDF of unigrams and frequent bigrams (sublinear, `min_df=2`, stop words removed) →
    TruncatedSVD (up to 100 dimensions, fewer for small n) → unit length → k-means with the
    seed for each k; the k with the best silhouette on a fixed-seed sample of at most 2,000
    documents wins (ties go to the smaller k). A k whose clustering leaves a theme with fewer than
    max(3, 3 % of the documents) members is not considered: a theme of two comments is an outlier.

    With more than `max_docs_for_model` documents the SVD and k-means are fitted on a fixed-seed
    sample of that many and the rest are assigned to the nearest centre.

    An empty input gives an empty list. Fewer than ten documents, a vocabulary of fewer than two
    terms, or no admissible k give a single theme holding every document.

    Themes are sorted by size, largest first (ties by their first member). The same documents and
    seed always give the same themes.

    The documents should share a language: Finnish, Swedish and English lemmas do not overlap, so
    a mixed input splits by language before anything else (each category of the labelled corpus
    splits exactly into its Finnish, Swedish and English comments). `subthemes_by_language` does
    the split first.
    """
    # BLAS and OpenMP run in one thread: the matrices are small, and with several server workers
    # on a few cores their thread pools oversubscribe. On the 2-core test machine under load,
    # 30,000 documents took 15 s with the default pools and 3 s in one thread.
    with threadpool_limits(limits=1):
        return _subthemes(docs, k_min, k_max, seed, top_terms, quotes, max_docs_for_model)


def _subthemes(
    docs: list[str],
    k_min: int,
    k_max: int,
    seed: int,
    top_terms: int,
    quotes: int,
    max_docs_for_model: int,
) -> list[Subtheme]:
    """`subthemes` itself, run inside the thread limit."""
    n = len(docs)
    if n == 0:
        return []
    if n < MIN_DOCS_FOR_SUBTHEMES:  # a handful of comments: every word counts for the terms
        counts, terms = count_matrix(docs, min_df=1, bigram_min_df=2)
        return _single_theme(docs, counts, terms, top_terms, quotes)
    counts, terms = count_matrix(docs)
    if counts.shape[1] < 2 or k_max < 2:
        return _single_theme(docs, counts, terms, top_terms, quotes)

    rng = np.random.default_rng(seed)
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    if n > max_docs_for_model:
        sample = np.sort(rng.choice(n, size=max_docs_for_model, replace=False))
    else:
        sample = np.arange(n)
    n_sample = len(sample)
    n_components = min(MAX_SVD_COMPONENTS, counts.shape[1] - 1, max(2, n_sample // 5))
    svd = TruncatedSVD(n_components=n_components, random_state=seed)
    svd.fit(tfidf[sample])
    points = normalize(svd.transform(tfidf))
    fit_points = points[sample]

    silhouette_idx = np.sort(rng.permutation(n_sample)[:SILHOUETTE_SAMPLE])
    # The sample's distances once, shared by every k (the scores are the same as computing them
    # per k, at a fraction of the cost).
    distances = pairwise_distances(fit_points[silhouette_idx])
    distinct = len(np.unique(np.round(fit_points, 9), axis=0))
    min_size = max(3, int(np.ceil(0.03 * n_sample)))

    best: tuple[float, KMeans] | None = None
    for k in range(max(k_min, 2), min(k_max, distinct - 1) + 1):
        model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(fit_points)
        sizes = np.bincount(model.labels_, minlength=k)
        sample_labels = model.labels_[silhouette_idx]
        if sizes.min() < min_size or len(np.unique(sample_labels)) < 2:
            continue
        score = float(silhouette_score(distances, sample_labels, metric="precomputed"))
        if best is None or round(score, 9) > round(best[0], 9):
            best = (score, model)
    if best is None:
        return _single_theme(docs, counts, terms, top_terms, quotes)

    model = best[1]
    labels = model.predict(points)
    k = model.n_clusters
    centres = normalize(model.cluster_centers_)
    similarity = np.einsum("ij,ij->i", points, centres[labels])
    words = _word_counts(docs)
    cluster_terms = _class_terms(counts, terms, labels, k, top_terms)

    themes = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if len(members) == 0:
            continue
        themes.append(
            Subtheme(
                size=len(members),
                share=len(members) / n,
                terms=cluster_terms[c],
                members=members.tolist(),
                representatives=_representatives(members, similarity, words, docs, quotes),
            )
        )
    return sorted(themes, key=lambda theme: (-theme.size, theme.members[0]))


def subthemes_by_language(
    docs: list[str], langs: Sequence[str], **options
) -> dict[str, list[Subtheme]]:
    """`subthemes` of each language's documents, keyed by language (largest group first).

    Members and representatives index into `docs`, as with `subthemes`; a theme's share is of its
    language's documents. `options` are passed on to `subthemes`.
    """
    if len(docs) != len(langs):
        raise ValueError("docs and langs must have the same length")
    groups: dict[str, list[int]] = {}
    for i, lang in enumerate(langs):
        groups.setdefault(lang, []).append(i)
    result: dict[str, list[Subtheme]] = {}
    for lang, indices in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        themes = subthemes([docs[i] for i in indices], **options)
        result[lang] = [
            replace(
                theme,
                members=[indices[m] for m in theme.members],
                representatives=[indices[r] for r in theme.representatives],
            )
            for theme in themes
        ]
    return result
