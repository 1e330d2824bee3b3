#!/bin/bash
# get-large-corpus.sh — fetches a larger, general-English pretraining corpus (for hour-scale
# pretraining) from Debian packages, without installing them, into data/large/ (never committed).
#
#   scripts/get-large-corpus.sh [OUT_DIR]      (default OUT_DIR: data/large in the source tree)
#
# One file per source, each in Google's pretraining format: one sentence per line, a blank line
# between documents, UTF-8. For pretrain: --corpus data/large (the directory), or one
# --corpus per file.
#
#   foldoc.txt   Free On-line Dictionary of Computing (GFDL), package dict-foldoc, made by
#                scripts/get-corpus.sh (called, not copied: the text of data/foldoc/foldoc.txt).
#   gcide.txt    GNU Collaborative International Dictionary of English 0.48 (GPL-2+), package
#                dict-gcide: Webster's Revised Unabridged Dictionary of 1913 with supplements and
#                some WordNet 1.5 glosses. The bulk of the corpus: general English, definitions
#                written as prose, and thousands of quotations from English literature and the
#                Bible used as examples.
#   wordnet.txt  WordNet 3.0 (Princeton's WordNet licence: use, copy, modify and distribute for
#                any purpose, keeping its copyright notice), package dict-wn: modern glosses and
#                example sentences, covering the present-day vocabulary the 1913 Webster lacks.
#   jargon.txt   The Jargon File 4.4.7 (public domain), package jargon-text: hacker slang,
#                written as essays rather than terse definitions, plus the long-form chapters and
#                appendices. It overlaps FOLDOC, which took in an older Jargon File: 17% of its
#                sentences also appear in foldoc.txt (0.6% of the whole corpus; kept).
# GCIDE and WordNet overlap little: under 1000 sentences of GCIDE's WordNet 1.5 glosses are
# word for word in WordNet 3.0.
#
# The sources are redistributable and are used here as data to train on; nothing from them is
# committed. Together about 37 MB of text (see the figures printed at the end). Left out:
# fortunes (its texts are the fine-tuning task of get-finetune-data.sh), dict-jargon (the same
# Jargon File), dict-vera (acronym expansions), dict-elements (a data table), dict-de-en and
# dict-freedict-* (bilingual word lists), dict-devil (Bierce's Devil's Dictionary, 0.2 MB: could be
# added) and bible-kjv-text (the King James Bible: long continuous text, but 1611 English, which
# GCIDE already quotes at length).
#
# Documents are dictionary entries (GCIDE, WordNet, Jargon lexicon) or sections (the Jargon File's
# chapters and appendices). Unlike foldoc.txt, every document of gcide.txt, wordnet.txt and
# jargon.txt starts with its title as a line of its own (the headword, "Feeling"; the section,
# "The Story of Mel"), as in the Wikipedia data of BERT's pretraining: a definition without its
# headword says little. Dictionary apparatus is removed so the rest reads as prose:
#   GCIDE    the headword lines (pronunciation \Feel"ing\, respelling (fēl"ĭng), part of speech,
#            inflections and etymology in [...]), every [...] (etymologies, notes "[Obs.]", source
#            tags "[1913 Webster]", "[PJC]"), sense numbers "1." and letters "(a)", domain labels
#            "(Zool.)" at the start of a sense, run-on derivatives "-- {Feign"ed*ly}, adv.",
#            inflection-only lines "imp. & p. p. of {Dry}.", attributions of quotations
#            ("--Shak.", "--Acts xvii. 27.", "-- Dryden."), synonym lists (the "Syn:" paragraphs
#            keep only their prose), sentences that are only cross-references ("See {Foot}.",
#            "Same as {Vehm}."), and paragraphs holding a table; "{links}" keep their text;
#            GCIDE's ASCII notation for letters (["o], [=e], [ae], [deg], Greek letter names, ...)
#            becomes Unicode characters; " -- " becomes an em dash; the three Windows-1252 bytes of
#            the dictionary are repaired; a headword repeated by mistake at the end of the
#            previous entry is dropped. Quotations are kept as sentences; verse becomes running
#            text.
#   WordNet  the "n 1:" sense markers, "[syn: ...]" and "[ant: ...]" lists, and leading domain
#            labels "(slang)", "(computer science)" (not restrictions such as "(of twins)"); each
#            gloss and each quoted example becomes a sentence (capitalised, full stop added).
#            A synset's gloss is repeated under every one of its words: it is written once, in
#            the first entry (alphabetical order) that has it, and entries left without senses are
#            dropped.
#   Jargon   headword lines ":word: /pron/, n." (the word is the title), the table of contents,
#            part-of-speech tags and a leading "[usage or etymology note]" of each sense, sense
#            numbers, bullets, box-drawing tables, code and ASCII art (lines indented 10 or more,
#            paragraphs with under 75% letters), lines that are not sentences (lists of names),
#            cross-reference-only sentences; curly quotes become ASCII quotes (as in the other
#            files), no-break spaces become spaces.
# Sentences are split as in get-corpus.sh (abbreviation-aware), with each source's abbreviations
# ("esp.", "fr.", "usu.", ...) added. Known leftovers, rare: editorial interpolations in quotations
# ("[He]" is dropped with every other bracket), "?" where GCIDE lost a Greek word, a few table rows.
#
# Needs only bash, apt-get, dpkg-deb, coreutils, gzip (zcat), awk, iconv and perl (perl-base: the
# corpus helpers are in scripts/lib/CorpusText.pm, shared with get-corpus.sh). `apt-get download`
# needs no root; when the package lists are missing, `apt-get update` is tried (that one needs
# root). Idempotent: a source whose file exists is left alone, nothing is downloaded when all
# exist, and the figures of every file are printed in any case. Files are written to a temporary
# name and moved into place, so an interrupted run leaves no partial file. Exit status non-zero on
# any failure.
set -euo pipefail

me=get-large-corpus
die() { echo "$me: error: $*" >&2; exit 1; }
say() { echo "$me: $*"; }

root=$(cd "$(dirname "$0")/.." && pwd)
lib="$root/scripts/lib"
out=${1:-"$root/data/large"}
sources=(foldoc gcide wordnet jargon)

[ -f "$lib/CorpusText.pm" ] || die "$lib/CorpusText.pm is missing (run this from the source tree)"

# count FILE: sets bytes, documents (blocks of non-blank lines) and sentences (non-blank lines).
bytes=0 documents=0 sentences=0
count() {
  bytes=$(wc -c < "$1")
  documents=$(awk 'NF && prev == "" { n++ } { prev = $0 } END { print n + 0 }' "$1")
  sentences=$(grep -c . "$1" || true)
}

# "12.3 MB, 4567 documents, 89012 sentences"
describe() {
  awk -v b="$1" -v d="$2" -v s="$3" \
    'BEGIN { printf "%.1f MB, %d documents, %d sentences\n", b / 1e6, d, s }'
}

summary() {
  local source total_bytes=0 total_documents=0 total_sentences=0
  say "corpus in $out:"
  for source in "${sources[@]}"; do
    count "$out/$source.txt"
    total_bytes=$((total_bytes + bytes))
    total_documents=$((total_documents + documents))
    total_sentences=$((total_sentences + sentences))
    printf '  %-12s %s\n' "$source.txt" "$(describe "$bytes" "$documents" "$sentences")"
  done
  printf '  %-12s %s\n' total "$(describe "$total_bytes" "$total_documents" "$total_sentences")"
}

missing=()
for source in "${sources[@]}"; do
  [ -s "$out/$source.txt" ] || missing+=("$source")
done
if [ ${#missing[@]} -eq 0 ]; then
  say "all files already present in $out; nothing to do"
  summary
  exit 0
fi

for tool in apt-get dpkg-deb zcat perl awk iconv; do
  command -v "$tool" > /dev/null 2>&1 || die "'$tool' not found (this script needs a Debian system)"
done
mkdir -p "$out" || die "cannot create $out"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/$me.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# Downloads a package (not installing it) and unpacks it into $tmp/NAME.
updated=0
fetch_package() {
  local name=$1 deb
  say "  downloading $name (not installing it)"
  if ! (cd "$tmp" && apt-get download "$name" > "$tmp/apt.log" 2>&1); then
    if [ "$updated" -eq 0 ]; then
      say "  download failed; running apt-get update and retrying"
      apt-get update > "$tmp/update.log" 2>&1 ||
        die "apt-get update failed (needs root or network): $(tail -n 3 "$tmp/update.log")"
      updated=1
    fi
    (cd "$tmp" && apt-get download "$name" > "$tmp/apt.log" 2>&1) ||
      die "apt-get download $name failed: $(tail -n 3 "$tmp/apt.log")"
  fi
  deb=$(find "$tmp" -maxdepth 1 -name "${name}_*.deb" | head -n 1)
  [ -n "$deb" ] || die "apt-get download left no ${name}_*.deb"
  dpkg-deb -x "$deb" "$tmp/$name" || die "cannot unpack $deb"
}

# Moves a cleaned file into place after checking it.
install_output() {
  local file=$1 source=$2
  [ -s "$file" ] || die "cleaning $source produced no text"
  iconv -f UTF-8 -t UTF-8 "$file" > /dev/null 2>&1 || die "cleaning $source produced invalid UTF-8"
  mv "$file" "$out/.$source.txt.tmp.$$" || die "cannot write $out/.$source.txt.tmp.$$"
  mv "$out/.$source.txt.tmp.$$" "$out/$source.txt" || die "cannot write $out/$source.txt"
  count "$out/$source.txt"
  say "  wrote $out/$source.txt: $(describe "$bytes" "$documents" "$sentences")"
}

# clean SOURCE FILE... — the cleaning programs (perl, reading the package's files, writing the
# corpus on standard output). SOURCE: gcide INDEX DICT | wordnet INDEX DICT | jargon TEXT.
clean() {
  perl -I"$lib" -MCorpusText=dictd_entries,split_sentences,print_document - "$@" << 'PERL'
use strict;
use warnings;

# UTF-8 bytes of a code point.
sub utf8_of { my $s = chr shift; utf8::encode($s); return $s; }

sub tidy { my $s = shift; $s =~ s/\s+/ /g; $s =~ s/^ //; $s =~ s/ $//; return $s; }

# True for a sentence that is only a cross-reference: "See Foot.", "See under Facial.", "Same as
# Angle iron.", "Compare super source quench, martian.", or only linked phrases ("Grass table.").
# refs: the paragraph's {linked} phrases; without them, a "See ..." of at most 5 words counts.
sub is_cross_reference {
  my ($s, $refs) = @_;
  my $see = $s =~ s/^(?:See also|See under|See|Also see|Same as|Compare|Cf\.|Oppose|Contrast)\s+//i;
  return 1 if $see && $s =~ /^[^.]*\.$/ && scalar(split " ", $s) <= 5;
  $s =~ s/\Q$_\E//g for sort { length $b <=> length $a } grep { length } @$refs;
  if ($see) {
    $s =~ s/\b(?:under|and|or|also|the|entry|entries|senses?|def|definition|note|below|above)\b//gi;
    $s =~ s/\b[a-z]{1,5}\.//g;                                # n., v. t., adj.
    $s =~ s/\b\d+(?:st|nd|rd|th|d)?\b//g;                    # 2, 1st, 2d
  }
  return $s !~ /[A-Za-z]/;
}

# ---------------------------------------------------------------------------------------------
# GCIDE

# GCIDE's ASCII notation for letters with diacritics: ["a] diaeresis, ['a] acute, [`a] grave,
# [^a] circumflex, [~n] tilde, [,c] cedilla, [=a] macron, [a^] breve, [.a] dot; precomposed
# characters where Unicode has them, else the letter and a combining mark. Then named ones.
my %combining = ('"' => 0x308, "'" => 0x301, "`" => 0x300, "^" => 0x302, "~" => 0x303,
                 "," => 0x327, "=" => 0x304, "breve" => 0x306, "." => 0x307);
my %precomposed = (
  '"' => ["aeiouyAEIOU", [0xE4, 0xEB, 0xEF, 0xF6, 0xFC, 0xFF, 0xC4, 0xCB, 0xCF, 0xD6, 0xDC]],
  "'" => ["aeiouyAEIOUcnsz", [0xE1, 0xE9, 0xED, 0xF3, 0xFA, 0xFD, 0xC1, 0xC9, 0xCD, 0xD3, 0xDA,
                              0x107, 0x144, 0x15B, 0x17A]],
  "`" => ["aeiouAEIOU", [0xE0, 0xE8, 0xEC, 0xF2, 0xF9, 0xC0, 0xC8, 0xCC, 0xD2, 0xD9]],
  "^" => ["aeiouAEIOU", [0xE2, 0xEA, 0xEE, 0xF4, 0xFB, 0xC2, 0xCA, 0xCE, 0xD4, 0xDB]],
  "~" => ["anoANO", [0xE3, 0xF1, 0xF5, 0xC3, 0xD1, 0xD5]],
  "," => ["cC", [0xE7, 0xC7]],
  "=" => ["aeiouAEIOU", [0x101, 0x113, 0x12B, 0x14D, 0x16B, 0x100, 0x112, 0x12A, 0x14C, 0x16A]],
  "breve" => ["aeiouAEIOU", [0x103, 0x115, 0x12D, 0x14F, 0x16D, 0x102, 0x114, 0x12C, 0x14E, 0x16C]],
  "." => ["ezgcEZGC", [0x117, 0x17C, 0x121, 0x10B, 0x116, 0x17B, 0x120, 0x10A]],
);
my %named = (aum => 0xE4, ae => 0xE6, AE => 0xC6, oe => 0x153, OE => 0x152, "=ae" => 0x1E3,
  eth => 0xF0, thorn => 0xFE, yogh => 0x21D, deg => 0xB0, sect => 0xA7, para => 0xB6,
  dag => 0x2020, times => 0xD7, divby => 0xF7, sharp => 0x266F, flat => 0x266D,
  ldquo => 0x201C, rdquo => 0x201D, ldqo => 0x201C, rdqo => 0x201D, lsquo => 0x2018,
  rsquo => 0x2019, frac12 => 0xBD, frac14 => 0xBC, frac34 => 0xBE, pound => 0xA3, nbsp => 0x20,
  alpha => 0x3B1, beta => 0x3B2, gamma => 0x3B3, delta => 0x3B4, epsilon => 0x3B5,
  zeta => 0x3B6, eta => 0x3B7, theta => 0x3B8, iota => 0x3B9, kappa => 0x3BA, lambda => 0x3BB,
  mu => 0x3BC, nu => 0x3BD, xi => 0x3BE, omicron => 0x3BF, pi => 0x3C0, rho => 0x3C1,
  sigma => 0x3C3, tau => 0x3C4, upsilon => 0x3C5, phi => 0x3C6, chi => 0x3C7, psi => 0x3C8,
  omega => 0x3C9, Gamma => 0x393, Delta => 0x394, Theta => 0x398, Lambda => 0x39B, Xi => 0x39E,
  Pi => 0x3A0, Sigma => 0x3A3, Phi => 0x3A6, Psi => 0x3A8, Omega => 0x3A9);
my %entity;
for my $mark (keys %precomposed) {
  my ($letters, $codes) = @{$precomposed{$mark}};
  my @letters = split //, $letters;
  for my $i (0 .. $#letters) {
    $entity{$mark eq "breve" ? "$letters[$i]^" : "$mark$letters[$i]"} = utf8_of($codes->[$i]);
  }
}
$entity{$_} = utf8_of($named{$_}) for keys %named;

sub decode_entity {
  my $e = shift;
  return $entity{$e} if exists $entity{$e};
  return $1 . utf8_of($combining{breve}) if $e =~ /^([A-Za-z])\^$/;
  return $2 . utf8_of($combining{$1}) if $e =~ /^(["\x27`^~,=.])([A-Za-z])$/;
  return "[$e]";                                               # not a letter: a bracket
}

sub decode_entities {
  my $s = shift;
  $s =~ s/\[([A-Za-z=]{2,7}|["\x27`^~,=.][A-Za-z]|[A-Za-z]\^)\]/decode_entity($1)/ge;
  return $s;
}

# Three bytes of the dictionary are Windows-1252, not ASCII: apostrophes and a "ç".
sub fix_bytes {
  my $s = shift;
  my $copy = $s;
  return $s if utf8::decode($copy);
  $s =~ s/[\x92\xb9]/\x27/g;
  $s =~ s/([\x80-\xff])/utf8_of(ord $1)/ge;                    # the rest as Latin-1
  return $s;
}

my %gcide_abbreviations = map { $_ => 1 }
  qw(esp usu approx ca al viz fr cp ed vol pp orig prob lit obs sq cu lb oz ft yd hr min sec
     gr lat eng am bot zool chem med anat naut biol mus arch mil math astron geol mech);

# A part of speech or grammatical abbreviation: "n.", "v.", "t.", "imp.", "p.", "pr.", ...
my $pos = join "|", qw(n a v t i adv adj pl p pr imp vb superl compar prep interj conj pron prop
                       sing obs pp inf pres fem masc dim aug poss obj nom obl adjective noun);
$pos = qr/(?:$pos)\./;

# A domain or usage label: "(Zool.)", "(Law)", "(Eng. Law)", "(R. C. Ch.)", "(Logic, Rhetoric)".
my $label = qr/\((?:[A-Z][A-Za-z]*\.?|&)(?:,?\s+(?:[A-Z][A-Za-z]*\.?|&|of)){0,3}\)/;
# ... of abbreviations only, removed wherever it stands: "(Carp.)", "(Eng. Law)".
my $dotted_label = qr/\((?:[A-Z][a-z]*\.\s*){1,3}(?:[A-Z][a-z]*)?\)/;
# A derived word in a run-on list: "{Feign"ed*ly}", "Af*flict"ing*ly".
my $derived = qr/(?:\{[^{}]*\}|[^\s{},]*["*`][^\s{},]*)/;

# True for a sentence that is only a list of words or short phrases ("Quarrelsome; pugnacious;
# wrangling.", "Abandon, Desert, Forsake.").
sub is_list {
  my $s = shift;
  $s =~ s/[.!?]$//;
  return !grep { scalar(split " ") > 3 } split /\s*[;,]\s*/, $s;
}

# The sentences of one paragraph of an entry's body.
sub gcide_paragraph {
  my $p = shift;
  my $kind = "";
  $kind = $1 if $p =~ s/^\s*(Syn|Usage|Note)\s*:\s*//;
  return () if $p =~ /Factbook/;                               # one entry's CIA data sheet
  1 while $p =~ s/\s*\[[^\[\]]*\]//g;                          # notes, etymologies, sources
  $p =~ s/\s*(?:\S+\s+){0,3}\S*\]\s*$//;                        # "... PJC]" (its [ is missing)
  $p =~ tr/[]//d;
  $p =~ s/\\[^\\]*\\(?:\s*\([^()]*\))?//g;                     # pronunciation, respelling
  $p =~ s/\s*\((?:[^()\s]*["*`][^()\s]*)(?:\s+or\s+[^()\s]+)*(?:;\s*\d+)?\)//g;  # respelling
  $p =~ s/(?<!\S)-{2,3}\s*$derived(?:\s*,\s*$derived)*\s*(?:,\s*)?(?:(?:$pos|&)\s*)*/ /g;
  $p =~ s/\{[^{}]*["*`][^{}]*\}\s*,\s*(?:(?:$pos|&)\s*)+/ /g;  # ... without its dashes
  $p =~ s/\s+--\s*$//;
  $p =~ s/^\s*(?:\d+|[IVX]+)\.\s+//;                           # sense number
  $p =~ s/^\s*(?:(?:$pos|&|\d[a-z]*|pers\.)\s*)+(?:of|from)\s+\{[^{}]*\}(?:,?\s*$pos)*[.;]?\s*//;
                                                               # "imp. & p. p. of {Dry}."
  $p =~ s/(^|[\s;:])\([a-z]\)\s+(?:$label\s*)?/$1/g;            # sub-sense letters
  $p =~ s/^\s*$label\s*//;                                     # domain label
  $p =~ s/^(\s*\{[^{}]*\})\s*$label/$1/;                       # ... after a phrase
  $p =~ s/\s*$dotted_label//g;
  my @sentences;
  for my $part ($kind eq "Syn" ? split(/\s*--\s*/, $p) : ($p)) {
    my @refs = $part =~ /\{([^{}]*)\}/g;
    $part =~ s/\{([^{}]*)\}/$1/g;                              # links and phrases
    $part =~ tr/{}//d;
    $part =~ s/\s*;?\s+--\s+/ \xe2\x80\x94 /g;                  # " -- " is a dash
    $part =~ s/\.\s\.\s\./.../g;
    $part = tidy($part);
    $part =~ s/^[,;:]\s*//;
    next unless $part =~ /[A-Za-z]/;
    $part =~ s/^([a-z])/\u$1/;
    my @s = split_sentences($part, \%gcide_abbreviations);
    shift @s while ($kind eq "Syn" || $kind eq "Usage") && @s && is_list($s[0]);
    push @sentences, grep { /[A-Za-z]/ && length() <= 2000 && !is_cross_reference($_, \@refs) } @s;
  }
  return @sentences;
}

# Headword lines: the first line and the lines that continue it (inside a bracket or a
# respelling's parenthesis, after a trailing "&" or pronunciation, a line with a pronunciation
# or starting with a respelling, or only labels, parts of speech and brackets).
sub gcide_split_header {
  my @lines = @_;
  my ($brackets, $parens, $n) = (0, 0, 0);
  while ($n < @lines) {
    my $line = $lines[$n];
    if ($n > 0 && !$brackets && !$parens) {
      (my $rest = $line) =~ s/\[[^\[\]]*\]//g;
      $rest =~ s/\[.*//;
      last unless $lines[$n - 1] =~ /[&\\]\s*$/ || $line =~ /\\/ ||
                  $line =~ /^\s*\([^()\s]*["*`]/ ||
                  $rest =~ /^\s*(?:(?:$pos|$label|[,;&]|\[|\])\s*)*$/;
    }
    for my $c ($line =~ /[\[\]()]/g) {                         # parentheses outside brackets
      if ($c eq "[") { $brackets++ } elsif ($c eq "]") { $brackets-- if $brackets }
      elsif (!$brackets) { $c eq "(" ? $parens++ : $parens && $parens-- }
    }
    $n++;
  }
  return ([@lines[0 .. $n - 1]], [@lines[$n .. $#lines]]);
}

sub gcide {
  my ($index, $dict) = @_;
  for my $entry (dictd_entries($index, $dict, qr/^00-/)) {
    $entry = decode_entities(fix_bytes($entry));
    $entry =~ s/\A.*?^(?=\S)//ms;                              # the first entry's epigraph
    # The next headword, repeated by mistake at the end: "[1913 Webster] Abatis", "   Inconsonance".
    $entry =~ s/^(\s*\[[^\[\]]*\])\s+\S+\s*\z/$1/m;
    $entry =~ s/\n {3}[A-Za-z][\w\x27-]*\s*\z/\n/;
    my ($header, $body) = gcide_split_header(split /\n/, $entry);
    my @titles;
    for my $word (join(" ", @$header) =~ /\\([^\\]*)\\/g) {  # \Feel"ing\: stress marks off
      $word =~ tr/"*`//d;
      $word = tidy($word);
      push @titles, $word if length $word && !grep { $_ eq $word } @titles;
    }
    my (@sentences, @paragraph, $table);
    for my $line (@$body, "") {
      if ($line =~ /\S/) {
        next if $line =~ /^ {30}/;                             # right-aligned attribution
        $table = 1 if $line =~ /-{4}|_{4}|={4}|\|/;             # a paragraph with a table
        # attribution (--Shak., --1 Kings xix. 27.), up to a following " -- {derivative}"
        $line =~ s/(^|[\s(])--(?=[^\s-]).*?(?=\s+-{2,3}(?:\s|\z)|\s*\z)/$1/g;
        $line =~ s/(?:\s{2,}|(?<=[.!?"\x27,;:])\s+)--\s+[A-Z][^-]{0,30}\.\s*$//;   # ". -- Dryden."
        push @paragraph, $line;
        next;
      }
      push @sentences, gcide_paragraph(join " ", @paragraph) if @paragraph && !$table;
      ($table, @paragraph) = ();
    }
    print_document((@titles ? join(", ", @titles) : ()), @sentences) if @sentences;
  }
}

# ---------------------------------------------------------------------------------------------
# WordNet

my %wordnet_abbreviations = map { $_ => 1 } qw(esp usu approx ca al);

# True for a usage or domain label such as "(slang)", "(computer science)", "(usually plural)";
# false for a restriction such as "(of twins)".
sub is_wordnet_label {
  my $p = shift;
  return 0 unless $p =~ /^[A-Za-z\x27 -]+$/;
  my @words = split " ", $p;
  my %restricting = map { $_ => 1 } qw(of used in on for with to by as the a an when especially
                                        often followed preceded or and after before not);
  return @words <= 3 && !grep { $restricting{$_} } @words;
}

# A gloss or an example as a sentence: label off, first letter capitalised, full stop added.
sub wordnet_sentence {
  my $s = tidy(shift);
  $s =~ s/[\s;:,]+$//;
  $s =~ tr/`/\x27/;                                            # `word' quotes
  $s =~ s/^\([^()]*\) // if $s =~ /^\(([^()]*)\) / && is_wordnet_label($1);
  return () unless $s =~ /[A-Za-z0-9]/;
  $s =~ s/^([a-z])/\u$1/;
  $s .= "." unless $s =~ /[.!?]["\x27)]*$/;
  return split_sentences($s, \%wordnet_abbreviations);
}

sub wordnet {
  my ($index, $dict) = @_;
  my %seen;                     # senses written (a synset's gloss comes under each of its words)
  for my $entry (dictd_entries($index, $dict, qr/^00-/)) {
    my ($title, @lines) = split /\n/, $entry;
    my $body = join " ", @lines;
    $body =~ s/\[(?:syn|ant):[^\]]*\]//g;
    my @senses = split /\s+(?:(?:n|v|adj|adv)\s+)?\d+:\s+/, " $body";   # "n 1:", "2:"
    shift @senses;
    my @sentences;
    for my $sense (map { tidy($_) } @senses) {
      next if $seen{$sense}++;
      # gloss; "example"; "example" - attribution
      my ($gloss, $examples) = $sense =~ /^(.*?)[;:,]\s*(".*)$/ ? ($1, $2) : ($sense, "");
      push @sentences, wordnet_sentence($gloss);
      push @sentences, wordnet_sentence($1) while $examples =~ /"([^"]+)"/g;
    }
    print_document(tidy($title), @sentences) if @sentences;
  }
}

# ---------------------------------------------------------------------------------------------
# The Jargon File (text, UTF-8)

my %jargon_abbreviations = map { $_ => 1 } qw(esp usu approx ca al viz fr orig prob obs lit);
my $jargon_pos = join "|",
  qw(n v vt vi adj adv interj excl prov pref suff pl abbrev obs conj prep pron num);
$jargon_pos = qr/(?:$jargon_pos)\.,?/;

# The sentences of one paragraph (its lines, decoded).
sub jargon_paragraph {
  my @l = grep { !/^ {10}/ } @_;                               # ASCII art, centred lines
  return () if !@l || grep { /[\x{2500}-\x{257F}]/ } @l;       # box-drawing tables
  my $p = tidy(join " ", @l);
  $p =~ s/^\x{2022} //;                                       # bullet
  $p =~ s/^\d+\. //;                                          # sense or list number
  $p =~ s/^(?:$jargon_pos ?)+//;                              # part of speech
  $p =~ s/^\[[^\[\]]*\] ?//;                                  # usage note, etymology
  $p =~ s/^(?:$jargon_pos ?)+//;
  my @refs = $p =~ /\{([^{}]*)\}/g;
  $p =~ s/\{([^{}]*)\}/$1/g;
  return () unless $p =~ /[.!?:;]["\x27)\]]*$/ || scalar(split " ", $p) >= 12;   # a list, a name
  my $letters = () = $p =~ /\p{L}/g;
  my $visible = () = $p =~ /\S/g;
  return () if !$visible || $letters / $visible < 0.75;       # code, tables
  return grep { !is_cross_reference($_, \@refs) } split_sentences($p, \%jargon_abbreviations);
}

sub jargon {
  my ($path) = @_;
  open my $fh, "<:raw", $path or die "cannot read $path: $!\n";
  my $text = do { local $/; <$fh> };
  utf8::decode($text) or die "$path is not UTF-8\n";
  $text =~ tr/\x{201C}\x{201D}\x{2018}\x{2019}\x{A0}/""\x27\x27 /;  # curly quotes, no-break spaces
  my ($title, @sentences);
  my $flush = sub {
    my @document = ((defined $title ? $title : ()), @sentences);
    utf8::encode($_) for @document;
    print_document(@document) if @sentences;
    ($title, @sentences) = ();
  };
  for my $paragraph (split /\n(?:[ \t]*\n)+/, $text) {
    my @l = grep { /\S/ } split /\n/, $paragraph;
    next unless @l;
    if (@l == 1 && ($l[0] =~ /^\S/ || $l[0] =~ /^ {10,}[A-Z]/) && $l[0] !~ /[\x{2500}-\x{257F}]/) {
      $flush->();                                             # a heading starts a document
      $title = tidy($l[0]);
      $title =~ s/^(?:Chapter \d+|Appendix [A-Z]|Part [IVX]+)\. //;
      next;
    }
    if ($l[0] =~ /^ {3}:(.*?):(?=\s|$)/) {                    # lexicon entry ":word: /pron/, n."
      $flush->();
      $title = $1;
      shift @l;
    }
    push @sentences, jargon_paragraph(@l) if @l;
  }
  $flush->();
}

# ---------------------------------------------------------------------------------------------

my $source = shift @ARGV // "";
if ($source eq "gcide") { gcide(@ARGV) }
elsif ($source eq "wordnet") { wordnet(@ARGV) }
elsif ($source eq "jargon") { jargon(@ARGV) }
else { die "unknown source '$source'\n" }
PERL
}

# The dictd files of a dict-* package, checked; decompresses the dictionary into $tmp.
dictd_files() {
  local package=$1 name=$2
  index="$tmp/$package/usr/share/dictd/$name.index"
  local dz="$tmp/$package/usr/share/dictd/$name.dict.dz"
  if [ ! -f "$index" ] || [ ! -f "$dz" ]; then
    die "$package has no usr/share/dictd/$name.{index,dict.dz}"
  fi
  dict="$tmp/$name.dict"
  zcat "$dz" > "$dict" || die "cannot decompress $dz"
}

step=0
for source in "${sources[@]}"; do
  step=$((step + 1))
  if [ -s "$out/$source.txt" ]; then
    say "[$step/${#sources[@]}] $source: $out/$source.txt already present"
    continue
  fi
  say "[$step/${#sources[@]}] $source"
  case $source in
    foldoc)
      "$root/scripts/get-corpus.sh" "$out/foldoc.txt" | sed "s/^/$me:   /" ||
        die "scripts/get-corpus.sh failed"
      [ -s "$out/foldoc.txt" ] || die "scripts/get-corpus.sh wrote no $out/foldoc.txt"
      continue
      ;;
    gcide)
      fetch_package dict-gcide
      dictd_files dict-gcide gcide
      say "  cleaning (about 10 s)"
      clean gcide "$index" "$dict" > "$tmp/$source.txt" || die "cleaning $source failed"
      ;;
    wordnet)
      fetch_package dict-wn
      dictd_files dict-wn wn
      say "  cleaning"
      clean wordnet "$index" "$dict" > "$tmp/$source.txt" || die "cleaning $source failed"
      ;;
    jargon)
      fetch_package jargon-text
      text="$tmp/jargon-text/usr/share/doc/jargon-text/jargon.txt.gz"
      [ -f "$text" ] || die "jargon-text has no usr/share/doc/jargon-text/jargon.txt.gz"
      zcat "$text" > "$tmp/jargon.in" || die "cannot decompress $text"
      say "  cleaning"
      clean jargon "$tmp/jargon.in" > "$tmp/$source.txt" || die "cleaning $source failed"
      ;;
  esac
  install_output "$tmp/$source.txt" "$source"
  rm -rf "${tmp:?}"/*                                     # the package's files
done

summary
