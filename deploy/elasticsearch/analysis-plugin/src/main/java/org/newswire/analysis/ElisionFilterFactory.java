package org.newswire.analysis;

import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.fr.FrenchAnalyzer;
import org.apache.lucene.analysis.util.ElisionFilter;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;
import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.BooleanSetting;
import org.elasticsearch.plugin.settings.ListSetting;

import java.util.List;

/**
 * The {@code elision} token filter: strips elided articles ("l'avion" becomes "avion").
 * Without {@code articles} it uses Lucene's French articles, which is what analysis-common's
 * pre-configured {@code elision} filter does (its configurable variant insists on a list).
 */
@NamedComponent("elision")
public final class ElisionFilterFactory implements TokenFilterFactory {

    @AnalysisSettings
    public interface Settings {
        @ListSetting(path = "articles")
        List<String> articles();

        @BooleanSetting(path = "articles_case", defaultValue = false)
        boolean articlesIgnoreCase();
    }

    private final CharArraySet articles;

    @Inject
    public ElisionFilterFactory(Settings settings) {
        this.articles = WordSets.plainWords(settings.articles(), settings.articlesIgnoreCase(), FrenchAnalyzer.DEFAULT_ARTICLES);
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        return new ElisionFilter(tokenStream, articles);
    }

    /** Elision is one-token-in, one-token-out, so query terms get it too (as in analysis-common). */
    @Override
    public TokenStream normalize(TokenStream tokenStream) {
        return create(tokenStream);
    }
}
