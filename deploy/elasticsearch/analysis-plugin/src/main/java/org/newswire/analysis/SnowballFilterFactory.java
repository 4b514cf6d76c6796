package org.newswire.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;
import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.StringSetting;

/** The {@code snowball} token filter; {@code language} (or legacy {@code name}) defaults to English. */
@NamedComponent("snowball")
public final class SnowballFilterFactory implements TokenFilterFactory {

    @AnalysisSettings
    public interface Settings {
        @StringSetting(path = "language", defaultValue = "")
        String language();

        @StringSetting(path = "name", defaultValue = "English")
        String legacyName();
    }

    private final String language;

    @Inject
    public SnowballFilterFactory(Settings settings) {
        this.language = Stemmers.snowballLanguage(settings.language().isEmpty() ? settings.legacyName() : settings.language());
        Stemmers.check(this::create); // reject an unknown language when the index is created
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        return new SnowballFilter(tokenStream, language);
    }
}
