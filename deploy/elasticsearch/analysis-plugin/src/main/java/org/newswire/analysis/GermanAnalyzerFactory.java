package org.newswire.analysis;

import org.apache.lucene.analysis.de.GermanAnalyzer;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;

/** The {@code german} analyzer: Lucene's GermanAnalyzer with its default stop words. */
@NamedComponent("german")
public final class GermanAnalyzerFactory extends LanguageAnalyzerFactory {

    @Inject
    public GermanAnalyzerFactory(LanguageAnalyzerSettings settings) {
        super(settings, GermanAnalyzer.getDefaultStopSet(), GermanAnalyzer::new);
    }
}
