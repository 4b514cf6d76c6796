package org.newswire.analysis;

import org.apache.lucene.analysis.es.SpanishAnalyzer;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;

/** The {@code spanish} analyzer: Lucene's SpanishAnalyzer with its default stop words. */
@NamedComponent("spanish")
public final class SpanishAnalyzerFactory extends LanguageAnalyzerFactory {

    @Inject
    public SpanishAnalyzerFactory(LanguageAnalyzerSettings settings) {
        super(settings, SpanishAnalyzer.getDefaultStopSet(), SpanishAnalyzer::new);
    }
}
