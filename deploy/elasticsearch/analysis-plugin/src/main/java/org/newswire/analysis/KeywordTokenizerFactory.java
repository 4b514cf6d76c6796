package org.newswire.analysis;

import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenizerFactory;
import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.IntSetting;

/** The {@code keyword} tokenizer: the whole input becomes a single token. */
@NamedComponent("keyword")
public final class KeywordTokenizerFactory implements TokenizerFactory {

    @AnalysisSettings
    public interface Settings {
        /** Initial term buffer size (the buffer grows as needed); 256 in analysis-common. */
        @IntSetting(path = "buffer_size", defaultValue = 256)
        int bufferSize();
    }

    private final int bufferSize;

    @Inject
    public KeywordTokenizerFactory(Settings settings) {
        this.bufferSize = settings.bufferSize();
    }

    @Override
    public Tokenizer create() {
        return new KeywordTokenizer(bufferSize);
    }
}
