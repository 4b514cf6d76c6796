package org.newswire.analysis;

import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;

/** The {@code russian} analyzer: Lucene's RussianAnalyzer with its default stop words. */
@NamedComponent("russian")
public final class RussianAnalyzerFactory extends LanguageAnalyzerFactory {

    @Inject
    public RussianAnalyzerFactory(LanguageAnalyzerSettings settings) {
        super(settings, RussianAnalyzer.getDefaultStopSet(), RussianAnalyzer::new);
    }
}
