package org.newswire.analysis;

import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;

/** The {@code english} analyzer: Lucene's EnglishAnalyzer with its default stop words. */
@NamedComponent("english")
public final class EnglishAnalyzerFactory extends LanguageAnalyzerFactory {

    @Inject
    public EnglishAnalyzerFactory(LanguageAnalyzerSettings settings) {
        super(settings, EnglishAnalyzer.getDefaultStopSet(), EnglishAnalyzer::new);
    }
}
