package org.newswire.analysis;

import org.apache.lucene.analysis.fr.FrenchAnalyzer;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;

/** The {@code french} analyzer: Lucene's FrenchAnalyzer with its default stop words. */
@NamedComponent("french")
public final class FrenchAnalyzerFactory extends LanguageAnalyzerFactory {

    @Inject
    public FrenchAnalyzerFactory(LanguageAnalyzerSettings settings) {
        super(settings, FrenchAnalyzer.getDefaultStopSet(), FrenchAnalyzer::new);
    }
}
