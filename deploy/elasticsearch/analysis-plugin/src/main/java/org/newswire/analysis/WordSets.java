package org.newswire.analysis;

import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.bg.BulgarianAnalyzer;
import org.apache.lucene.analysis.bn.BengaliAnalyzer;
import org.apache.lucene.analysis.br.BrazilianAnalyzer;
import org.apache.lucene.analysis.ca.CatalanAnalyzer;
import org.apache.lucene.analysis.ckb.SoraniAnalyzer;
import org.apache.lucene.analysis.cz.CzechAnalyzer;
import org.apache.lucene.analysis.da.DanishAnalyzer;
import org.apache.lucene.analysis.de.GermanAnalyzer;
import org.apache.lucene.analysis.el.GreekAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.es.SpanishAnalyzer;
import org.apache.lucene.analysis.et.EstonianAnalyzer;
import org.apache.lucene.analysis.eu.BasqueAnalyzer;
import org.apache.lucene.analysis.fa.PersianAnalyzer;
import org.apache.lucene.analysis.fi.FinnishAnalyzer;
import org.apache.lucene.analysis.fr.FrenchAnalyzer;
import org.apache.lucene.analysis.ga.IrishAnalyzer;
import org.apache.lucene.analysis.gl.GalicianAnalyzer;
import org.apache.lucene.analysis.hi.HindiAnalyzer;
import org.apache.lucene.analysis.hu.HungarianAnalyzer;
import org.apache.lucene.analysis.hy.ArmenianAnalyzer;
import org.apache.lucene.analysis.id.IndonesianAnalyzer;
import org.apache.lucene.analysis.it.ItalianAnalyzer;
import org.apache.lucene.analysis.lt.LithuanianAnalyzer;
import org.apache.lucene.analysis.lv.LatvianAnalyzer;
import org.apache.lucene.analysis.nl.DutchAnalyzer;
import org.apache.lucene.analysis.no.NorwegianAnalyzer;
import org.apache.lucene.analysis.pt.PortugueseAnalyzer;
import org.apache.lucene.analysis.ro.RomanianAnalyzer;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.sr.SerbianAnalyzer;
import org.apache.lucene.analysis.sv.SwedishAnalyzer;
import org.apache.lucene.analysis.th.ThaiAnalyzer;
import org.apache.lucene.analysis.tr.TurkishAnalyzer;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Resolves word-list settings the way Elasticsearch's analysis-common does:
 * an absent list means "use the default", {@code _none_} means "empty", and
 * entries such as {@code _french_} expand to Lucene's stop set for that language.
 * The stable API reports an absent list and an empty list identically, so an
 * explicit {@code []} also falls back to the default (use {@code _none_} instead).
 */
final class WordSets {

    private static final String NONE = "_none_";

    // Suppliers so that only the stop sets actually referenced get loaded.
    private static final Map<String, Supplier<CharArraySet>> NAMED_STOP_SETS = Map.ofEntries(
        Map.entry("_arabic_", ArabicAnalyzer::getDefaultStopSet),
        Map.entry("_armenian_", ArmenianAnalyzer::getDefaultStopSet),
        Map.entry("_basque_", BasqueAnalyzer::getDefaultStopSet),
        Map.entry("_bengali_", BengaliAnalyzer::getDefaultStopSet),
        Map.entry("_brazilian_", BrazilianAnalyzer::getDefaultStopSet),
        Map.entry("_bulgarian_", BulgarianAnalyzer::getDefaultStopSet),
        Map.entry("_catalan_", CatalanAnalyzer::getDefaultStopSet),
        Map.entry("_czech_", CzechAnalyzer::getDefaultStopSet),
        Map.entry("_danish_", DanishAnalyzer::getDefaultStopSet),
        Map.entry("_dutch_", DutchAnalyzer::getDefaultStopSet),
        Map.entry("_english_", EnglishAnalyzer::getDefaultStopSet),
        Map.entry("_estonian_", EstonianAnalyzer::getDefaultStopSet),
        Map.entry("_finnish_", FinnishAnalyzer::getDefaultStopSet),
        Map.entry("_french_", FrenchAnalyzer::getDefaultStopSet),
        Map.entry("_galician_", GalicianAnalyzer::getDefaultStopSet),
        Map.entry("_german_", GermanAnalyzer::getDefaultStopSet),
        Map.entry("_greek_", GreekAnalyzer::getDefaultStopSet),
        Map.entry("_hindi_", HindiAnalyzer::getDefaultStopSet),
        Map.entry("_hungarian_", HungarianAnalyzer::getDefaultStopSet),
        Map.entry("_indonesian_", IndonesianAnalyzer::getDefaultStopSet),
        Map.entry("_irish_", IrishAnalyzer::getDefaultStopSet),
        Map.entry("_italian_", ItalianAnalyzer::getDefaultStopSet),
        Map.entry("_latvian_", LatvianAnalyzer::getDefaultStopSet),
        Map.entry("_lithuanian_", LithuanianAnalyzer::getDefaultStopSet),
        Map.entry("_norwegian_", NorwegianAnalyzer::getDefaultStopSet),
        Map.entry("_persian_", PersianAnalyzer::getDefaultStopSet),
        Map.entry("_portuguese_", PortugueseAnalyzer::getDefaultStopSet),
        Map.entry("_romanian_", RomanianAnalyzer::getDefaultStopSet),
        Map.entry("_russian_", RussianAnalyzer::getDefaultStopSet),
        Map.entry("_serbian_", SerbianAnalyzer::getDefaultStopSet),
        Map.entry("_sorani_", SoraniAnalyzer::getDefaultStopSet),
        Map.entry("_spanish_", SpanishAnalyzer::getDefaultStopSet),
        Map.entry("_swedish_", SwedishAnalyzer::getDefaultStopSet),
        Map.entry("_thai_", ThaiAnalyzer::getDefaultStopSet),
        Map.entry("_turkish_", TurkishAnalyzer::getDefaultStopSet)
    );

    private WordSets() {}

    /** Stop words: default set, {@code _none_}, or a mix of words and {@code _lang_} names. */
    static CharArraySet stopWords(List<String> configured, boolean ignoreCase, CharArraySet defaults) {
        if (configured.isEmpty()) {
            return defaults;
        }
        if (isNone(configured)) {
            return CharArraySet.EMPTY_SET;
        }
        CharArraySet words = new CharArraySet(configured.size(), ignoreCase);
        for (String word : configured) {
            Supplier<CharArraySet> named = NAMED_STOP_SETS.get(word);
            if (named != null) {
                words.addAll(named.get());
            } else {
                words.add(word);
            }
        }
        return words;
    }

    /** A plain word list (no {@code _lang_} expansion), e.g. elision articles or stem exclusions. */
    static CharArraySet plainWords(List<String> configured, boolean ignoreCase, CharArraySet defaults) {
        if (configured.isEmpty()) {
            return defaults;
        }
        if (isNone(configured)) {
            return CharArraySet.EMPTY_SET;
        }
        return new CharArraySet(configured, ignoreCase);
    }

    private static boolean isNone(List<String> configured) {
        return configured.size() == 1 && NONE.equals(configured.get(0));
    }
}
