package org.newswire.analysis;

import org.apache.lucene.analysis.it.ItalianAnalyzer;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;

/** The {@code italian} analyzer: Lucene's ItalianAnalyzer with its default stop words. */
@NamedComponent("italian")
public final class ItalianAnalyzerFactory extends LanguageAnalyzerFactory {

    @Inject
    public ItalianAnalyzerFactory(LanguageAnalyzerSettings settings) {
        super(settings, ItalianAnalyzer.getDefaultStopSet(), ItalianAnalyzer::new);
    }
}
