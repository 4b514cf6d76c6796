package org.newswire.analysis;

import org.apache.lucene.analysis.nl.DutchAnalyzer;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;

/** The {@code dutch} analyzer: Lucene's DutchAnalyzer with its default stop words. */
@NamedComponent("dutch")
public final class DutchAnalyzerFactory extends LanguageAnalyzerFactory {

    @Inject
    public DutchAnalyzerFactory(LanguageAnalyzerSettings settings) {
        super(settings, DutchAnalyzer.getDefaultStopSet(), DutchAnalyzer::new);
    }
}
