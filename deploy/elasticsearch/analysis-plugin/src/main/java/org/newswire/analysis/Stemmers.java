package org.newswire.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ar.ArabicStemFilter;
import org.apache.lucene.analysis.bg.BulgarianStemFilter;
import org.apache.lucene.analysis.bn.BengaliStemFilter;
import org.apache.lucene.analysis.br.BrazilianStemFilter;
import org.apache.lucene.analysis.ckb.SoraniStemFilter;
import org.apache.lucene.analysis.cz.CzechStemFilter;
import org.apache.lucene.analysis.de.GermanLightStemFilter;
import org.apache.lucene.analysis.de.GermanMinimalStemFilter;
import org.apache.lucene.analysis.el.GreekStemFilter;
import org.apache.lucene.analysis.en.EnglishMinimalStemFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.es.SpanishLightStemFilter;
import org.apache.lucene.analysis.es.SpanishPluralStemFilter;
import org.apache.lucene.analysis.fa.PersianStemFilter;
import org.apache.lucene.analysis.fi.FinnishLightStemFilter;
import org.apache.lucene.analysis.fr.FrenchLightStemFilter;
import org.apache.lucene.analysis.fr.FrenchMinimalStemFilter;
import org.apache.lucene.analysis.gl.GalicianMinimalStemFilter;
import org.apache.lucene.analysis.gl.GalicianStemFilter;
import org.apache.lucene.analysis.hi.HindiStemFilter;
import org.apache.lucene.analysis.hu.HungarianLightStemFilter;
import org.apache.lucene.analysis.id.IndonesianStemFilter;
import org.apache.lucene.analysis.it.ItalianLightStemFilter;
import org.apache.lucene.analysis.lv.LatvianStemFilter;
import org.apache.lucene.analysis.miscellaneous.EmptyTokenStream;
import org.apache.lucene.analysis.no.NorwegianLightStemFilter;
import org.apache.lucene.analysis.no.NorwegianMinimalStemFilter;
import org.apache.lucene.analysis.pt.PortugueseLightStemFilter;
import org.apache.lucene.analysis.pt.PortugueseMinimalStemFilter;
import org.apache.lucene.analysis.pt.PortugueseStemFilter;
import org.apache.lucene.analysis.ru.RussianLightStemFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.sv.SwedishLightStemFilter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Maps the {@code language} names accepted by analysis-common's {@code stemmer} filter
 * (matched case-insensitively) to Lucene stemmers. Names not listed fall through to a
 * Snowball stemmer of that name, as in analysis-common; unknown names are rejected.
 */
final class Stemmers {

    private static final Map<String, UnaryOperator<TokenStream>> BY_NAME = new HashMap<>();

    private static void register(UnaryOperator<TokenStream> stemmer, String... names) {
        for (String name : names) {
            BY_NAME.put(name.toLowerCase(Locale.ROOT), stemmer);
        }
    }

    private static UnaryOperator<TokenStream> snowball(String language) {
        return ts -> new SnowballFilter(ts, language);
    }

    static {
        register(ArabicStemFilter::new, "arabic");
        register(BengaliStemFilter::new, "bengali");
        register(BrazilianStemFilter::new, "brazilian");
        register(BulgarianStemFilter::new, "bulgarian");
        register(CzechStemFilter::new, "czech");
        // English
        register(PorterStemFilter::new, "english", "porter");
        register(KStemFilter::new, "light_english", "lightEnglish", "kstem");
        register(snowball("English"), "porter2");
        register(EnglishMinimalStemFilter::new, "minimal_english", "minimalEnglish");
        register(EnglishPossessiveFilter::new, "possessive_english", "possessiveEnglish");
        // Finnish ("light_finish" is a historical misspelling kept by Elasticsearch)
        register(FinnishLightStemFilter::new, "light_finnish", "lightFinnish", "light_finish", "lightFinish");
        // French
        register(snowball("French"), "french");
        register(FrenchLightStemFilter::new, "light_french", "lightFrench");
        register(FrenchMinimalStemFilter::new, "minimal_french", "minimalFrench");
        register(GalicianStemFilter::new, "galician");
        register(GalicianMinimalStemFilter::new, "minimal_galician");
        // German (Lucene 10 folded the "German2" Snowball variant into "German")
        register(snowball("German"), "german", "german2");
        register(GermanLightStemFilter::new, "light_german", "lightGerman");
        register(GermanMinimalStemFilter::new, "minimal_german", "minimalGerman");
        register(GreekStemFilter::new, "greek");
        register(HindiStemFilter::new, "hindi");
        register(HungarianLightStemFilter::new, "light_hungarian", "lightHungarian");
        register(IndonesianStemFilter::new, "indonesian");
        register(ItalianLightStemFilter::new, "light_italian", "lightItalian");
        register(LatvianStemFilter::new, "latvian");
        register(NorwegianLightStemFilter::new, "light_norwegian", "lightNorwegian");
        register(NorwegianMinimalStemFilter::new, "minimal_norwegian", "minimalNorwegian");
        register(PersianStemFilter::new, "persian");
        register(PortugueseLightStemFilter::new, "light_portuguese", "lightPortuguese");
        register(PortugueseMinimalStemFilter::new, "minimal_portuguese", "minimalPortuguese");
        register(PortugueseStemFilter::new, "portuguese_rslp");
        register(RussianLightStemFilter::new, "light_russian", "lightRussian");
        register(SpanishLightStemFilter::new, "light_spanish", "lightSpanish");
        register(SpanishPluralStemFilter::new, "spanish_plural");
        register(SoraniStemFilter::new, "sorani");
        register(SwedishLightStemFilter::new, "light_swedish", "lightSwedish");
        // Everything else (dutch, italian, portuguese, russian, spanish, danish, ...) is Snowball.
    }

    private Stemmers() {}

    /** The stemmer for a {@code stemmer} filter language name. */
    static UnaryOperator<TokenStream> forLanguage(String language) {
        UnaryOperator<TokenStream> stemmer = BY_NAME.get(language.toLowerCase(Locale.ROOT));
        return stemmer != null ? stemmer : snowball(snowballLanguage(language));
    }

    /** Snowball class-name prefix: capitalised as analysis-common does ("russian" becomes "Russian"). */
    static String snowballLanguage(String language) {
        if ("german2".equalsIgnoreCase(language)) {
            return "German";
        }
        return language.isEmpty() ? language : Character.toUpperCase(language.charAt(0)) + language.substring(1);
    }

    /** Builds (and discards) a filter so that an invalid language fails at index creation. */
    static void check(UnaryOperator<TokenStream> stemmer) {
        TokenStream ts = stemmer.apply(new EmptyTokenStream());
        try {
            ts.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
