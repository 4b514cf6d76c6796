package org.newswire.analysis;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.elasticsearch.plugin.analysis.AnalyzerFactory;

import java.util.function.BiFunction;

/**
 * Base for the Lucene language analyzers: resolves {@code stopwords}/{@code stem_exclusion}
 * like analysis-common's *AnalyzerProvider classes and builds the analyzer once, at
 * construction, so that bad settings fail index creation rather than the first request.
 */
abstract class LanguageAnalyzerFactory implements AnalyzerFactory {

    private final Analyzer analyzer;

    LanguageAnalyzerFactory(
        LanguageAnalyzerSettings settings,
        CharArraySet defaultStopWords,
        BiFunction<CharArraySet, CharArraySet, Analyzer> constructor
    ) {
        CharArraySet stopWords = WordSets.stopWords(settings.stopwords(), settings.stopwordsIgnoreCase(), defaultStopWords);
        CharArraySet stemExclusion = WordSets.plainWords(settings.stemExclusion(), false, CharArraySet.EMPTY_SET);
        this.analyzer = constructor.apply(stopWords, stemExclusion);
    }

    @Override
    public Analyzer create() {
        return analyzer;
    }
}
