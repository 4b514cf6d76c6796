package org.newswire.analysis;

import org.apache.lucene.analysis.pt.PortugueseAnalyzer;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;

/** The {@code portuguese} analyzer: Lucene's PortugueseAnalyzer with its default stop words. */
@NamedComponent("portuguese")
public final class PortugueseAnalyzerFactory extends LanguageAnalyzerFactory {

    @Inject
    public PortugueseAnalyzerFactory(LanguageAnalyzerSettings settings) {
        super(settings, PortugueseAnalyzer.getDefaultStopSet(), PortugueseAnalyzer::new);
    }
}
