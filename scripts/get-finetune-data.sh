#!/bin/bash
# get-finetune-data.sh — fetches labelled text for fine-tuning from Debian packages, without
# installing them, into data/finetune/ (never committed).
#
#   scripts/get-finetune-data.sh [OUT]      (default OUT: data/finetune in the source tree)
#
# Every output is a TSV file with the header line `text<TAB>label` and one example per line. A text
# never holds a tab or a newline (every run of whitespace or control characters became one space,
# and the text is trimmed); there is no quoting, so a `"` in a text is just a character. UTF-8.
#
# 1. Reuters-21578 ModApte, "grain" and "corn" binary tasks, from the `weka` package's examples
#    (usr/share/doc/weka/examples/Reuters{Grain,Corn}-{train,test}.arff; bookworm's weka 3.6.14
#    ships them uncompressed, a `.arff.gz` is read too). These are Weka's fifth of ModApte
#    (RemoveFolds -N 5 -F 1): 1554 training and 604 test documents, the same documents for both
#    tasks (only the labels differ), heavily imbalanced (grain: 103 and 57 positives, corn: 45 and
#    24). Each ARFF has a string attribute (the document: title, then body) and a nominal class
#    {0,1}, 1 meaning the document carries the topic. Labels are written as readable names:
#    1 -> `grain` (or `corn`), 0 -> `other`.
#      -> OUT/reuters-grain/{train,test}.tsv, OUT/reuters-corn/{train,test}.tsv
#    ARFF reading: `%` comment lines, an @attribute header, then one instance per line with values
#    separated by commas; a value is bare or quoted with ' or ", in which a backslash escapes the
#    next character (\n newline, \t tab, \r carriage return, \uXXXX a code point, \' \" \\ \% and
#    any other \X stand for X). The text attribute is the only `string` attribute, the class is the
#    last attribute (Weka's default). Sparse instances ({...}) and missing values (?) are refused.
#    The Reuters texts keep the SGML entities of the original collection: &lt; &gt; &amp; &quot;
#    are decoded, and the &#2; / &#3; (start/end of text) and &#127; marks become spaces like any
#    other control character. Nothing else is removed (e.g. the closing "Reuter" stays); identical
#    texts (6 repeated in train, 2 in test, none in both) are kept, as in the benchmark.
#
# 2. A topic task from fortune-mod's data in Debian's `fortunes` package (usr/share/games/fortunes/;
#    the offensive `fortunes-off` is not used). Label = the source file's name. Eight files whose
#    names are topics and whose entries are mostly about that topic (by reading samples), with 148
#    to 1051 entries each: computers, science, politics, work, law, education, food, sports. Left
#    out: files named after a form or a source rather than a topic (cookie, definitions, people,
#    humorists, songs-poems, literature: mostly quotations from literature, platitudes, wisdom,
#    miscellaneous, zippy, startrek, art, riddles, knghtbrd, ...), topics that overlap a chosen
#    one (linux, perl, debian within computers), `ethnic` (jokes about groups), `men-women` and
#    `love` (overlapping, about people more than a subject), and files with fewer than ~140
#    entries (medicine 75, pets 53, ...). The classes are imbalanced (computers ~7x sports).
#      -> OUT/fortunes/{train,test}.tsv
#    Entries are separated by a line holding only `%`. Backspace overstrikes (`_^Hx`,
#    `____^H^H^H^Hword`, for underlining) are resolved to what a terminal shows, other control
#    characters become spaces, whitespace is collapsed and trimmed, attributions ("-- Mark Twain")
#    are kept; the few entries stored as doubly or triply UTF-8-encoded text (computers, law) are
#    decoded back. Empty entries are dropped. Duplicates are found on a key of the lower-cased
#    letters and digits only: a repeated entry is kept once; an entry found under two or more
#    labels is dropped everywhere. Split: test when FNV-1a-32(key, UTF-8 bytes) mod 5 == 0 (about
#    20%), train otherwise — the same split on every machine and tool version. Rows are written in
#    order of that hash (then text), so the labels are interleaved (still shuffle for training).
#
# Needs only bash, apt-get, dpkg-deb, coreutils, gzip, awk and perl (perl-base: no modules beyond
# strict and warnings). `apt-get download` needs no root; when the package lists are missing,
# `apt-get update` is tried (that one needs root). Idempotent: an output set whose files all
# exist is left alone, and nothing is downloaded when all exist; the label counts of every file
# are printed at the end in any case. Files are written to a temporary name and moved into place.
set -euo pipefail

me=get-finetune-data
die() { echo "$me: error: $*" >&2; exit 1; }
say() { echo "$me: $*"; }

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/data/finetune"}

fortune_labels="computers science politics work law education food sports"

reuters_files=("$out/reuters-grain/train.tsv" "$out/reuters-grain/test.tsv"
               "$out/reuters-corn/train.tsv" "$out/reuters-corn/test.tsv")
fortunes_files=("$out/fortunes/train.tsv" "$out/fortunes/test.tsv")

all_present() {
  local f
  for f in "$@"; do [ -s "$f" ] || return 1; done
}

need_reuters=1; all_present "${reuters_files[@]}" && need_reuters=0
need_fortunes=1; all_present "${fortunes_files[@]}" && need_fortunes=0

# Label counts of one TSV file, e.g. "1554 rows: other 1451, grain 103".
label_counts() {
  awk -F '\t' 'NR > 1 { print $2 }' "$1" | LC_ALL=C sort | uniq -c |
    awk '{ n += $1; s = s (NR > 1 ? ", " : " ") $2 " " $1 } END { printf "%d rows:%s\n", n, s }'
}

summary() {
  local f
  say "label counts:"
  for f in "${reuters_files[@]}" "${fortunes_files[@]}"; do
    if [ -s "$f" ]; then
      echo "  ${f#"$out"/}: $(label_counts "$f")"
    fi
  done
}

if [ "$need_reuters" = 0 ] && [ "$need_fortunes" = 0 ]; then
  say "all outputs already present under $out; nothing to do"
  summary
  exit 0
fi

for tool in apt-get dpkg-deb zcat perl awk sort; do
  command -v "$tool" > /dev/null 2>&1 || die "'$tool' not found (this script needs a Debian system)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/$me.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# The conversions, in one perl program: `perl -e "$converter" arff FILE POSITIVE` and
# `perl -e "$converter" fortunes OUTDIR LABEL=FILE...`.
converter=$(cat << 'PERL'
use strict;
use warnings;

# FNV-1a, 32 bits, over a byte string.
sub fnv1a32 {
  my $h = 0x811c9dc5;
  for my $byte (unpack "C*", $_[0]) {
    $h ^= $byte;
    $h = ($h * 0x01000193) & 0xffffffff;
  }
  return $h;
}
die "this perl's integers are too small for the split hash\n"
  unless ~0 > 2**32 && fnv1a32("a") == 0xe40c292c && fnv1a32("foobar") == 0xbf9cf968;

# Bytes read from a file -> characters (UTF-8; a piece that is not valid UTF-8 is read as Latin-1).
# Text that was UTF-8-encoded twice or more (mojibake such as "donÃ¢ÂÂt", in a few fortunes) is
# repaired: while the characters are all below U+0100 and include a C1 control (U+0080-U+009F,
# never found in real text), their bytes are decoded as UTF-8 once more.
sub decode_text {
  my $s = shift;
  my $copy = $s;
  return $s unless utf8::decode($copy);
  while ($copy =~ /[\x80-\x9f]/ && $copy !~ /[^\x00-\xff]/) {
    my $again = $copy;
    utf8::downgrade($again);
    last unless utf8::decode($again);
    $copy = $again;
  }
  return $copy;
}

# One line of text: every run of whitespace or control characters becomes one space; trimmed.
sub one_line {
  my $s = shift;
  $s =~ s/[\s\x00-\x1f\x7f-\x9f]+/ /g;
  $s =~ s/^ //;
  $s =~ s/ $//;
  return $s;
}

sub write_utf8 {
  my ($fh, $s) = @_;
  utf8::encode($s);
  print {$fh} $s or die "write failed: $!\n";
}

# --- ARFF -> TSV ---------------------------------------------------------------------------------

# An ARFF name or value token at the start of $$ref (bare or quoted), consumed; returns the
# unescaped value and whether it was quoted.
sub arff_token {
  my ($ref, $where) = @_;
  if ($$ref =~ s/^(['"])//) {
    my $q = $1;
    my $v = "";
    while (1) {
      if ($$ref =~ s/^([^\\$q]+)//) { $v .= $1; next; }
      if ($$ref =~ s/^\\u([0-9A-Fa-f]{4})//) { $v .= chr hex $1; next; }
      if ($$ref =~ s/^\\(.)//s) {
        my $c = $1;
        $v .= $c eq "n" ? "\n" : $c eq "t" ? "\t" : $c eq "r" ? "\r" : $c;
        next;
      }
      last if $$ref =~ s/^$q//;
      die "$where: unterminated $q-quoted string\n";
    }
    return ($v, 1);
  }
  $$ref =~ s/^([^,\s{}]*)// or die "$where: cannot read a value\n";
  return ($1, 0);
}

sub arff_to_tsv {
  my ($path, $positive) = @_;
  open my $in, "<:raw", $path or die "cannot read $path: $!\n";
  my (@attrs, $in_data, $text_i, $class_i, %seen_label);
  my ($rows, $empty) = (0, 0);
  binmode STDOUT, ":raw";
  print "text\tlabel\n";
  while (my $line = <$in>) {
    $line =~ s/\r?\n\z//;
    my $where = "$path:$.";
    next if $line =~ /^\s*(%|$)/;
    $line = decode_text($line);
    if (!$in_data) {
      if ($line =~ /^\s*\@relation\b/i) { next; }
      if ($line =~ s/^\s*\@attribute\s+//i) {
        my ($name) = arff_token(\$line, $where);
        $line =~ s/^\s+//;
        my ($type, @values);
        if ($line =~ /^\{(.*)\}\s*$/) {
          $type = "nominal";
          @values = map { s/^\s*['"]?|['"]?\s*$//gr } split /,/, $1;
        } else {
          $type = lc((split " ", $line)[0] // "");
        }
        push @attrs, { name => $name, type => $type, values => \@values };
        next;
      }
      if ($line =~ /^\s*\@data\s*$/i) {
        my @strings = grep { $attrs[$_]{type} eq "string" } 0 .. $#attrs;
        die "$path: expected exactly one string attribute, found " . scalar(@strings) . "\n"
          unless @strings == 1;
        ($text_i, $class_i) = ($strings[0], $#attrs);
        die "$path: the last attribute ($attrs[$class_i]{name}) is not nominal\n"
          unless $attrs[$class_i]{type} eq "nominal";
        my %class_values = map { $_ => 1 } @{ $attrs[$class_i]{values} };
        die "$path: the class values are {" . join(",", @{ $attrs[$class_i]{values} })
          . "}, expected {0,1}\n" unless keys %class_values == 2 && $class_values{0} && $class_values{1};
        $in_data = 1;
        next;
      }
      die "$where: unexpected header line: " . substr($line, 0, 60) . "\n";
    }
    $line =~ s/^\s+//;
    die "$where: sparse instances are not supported\n" if $line =~ /^\{/;
    my @values;
    while (1) {
      my ($v, $quoted) = arff_token(\$line, $where);
      die "$where: missing value\n" if !$quoted && $v eq "?";
      push @values, $v;
      $line =~ s/^\s+//;
      last if $line eq "";
      $line =~ s/^,\s*// or die "$where: expected a comma at: " . substr($line, 0, 30) . "\n";
    }
    die "$where: " . scalar(@values) . " values for " . scalar(@attrs) . " attributes\n"
      unless @values == @attrs;
    my $label = $values[$class_i];
    die "$where: class value '$label' is not 0 or 1\n" unless $label eq "0" || $label eq "1";
    my $text = $values[$text_i];
    my %entity = (lt => "<", gt => ">", amp => "&", quot => '"', apos => "'");
    $text =~ s/&(lt|gt|amp|quot|apos|#[0-9]+);/substr($1, 0, 1) eq "#" ? chr(substr $1, 1) : $entity{$1}/ge;
    $text = one_line($text);
    if ($text eq "") { $empty++; next; }
    write_utf8(\*STDOUT, $text . "\t" . ($label eq "1" ? $positive : "other") . "\n");
    $rows++;
  }
  die "$path: no \@data section\n" unless $in_data;
  die "$path: no instances\n" unless $rows;
  warn "$path: $empty empty documents dropped\n" if $empty;
}

# --- fortune files -> TSV ------------------------------------------------------------------------

sub fortunes_to_tsv {
  my ($outdir, @sources) = @_;
  my (%first, @order);          # key -> { text, label }, keys in first-seen order
  my (%labels_of, %count);      # key -> { label => 1 }, key -> occurrences
  my ($entries, $empty) = (0, 0);
  for my $source (@sources) {
    my ($label, $path) = $source =~ /^([^=]+)=(.+)$/ or die "bad source '$source'\n";
    open my $in, "<:raw", $path or die "cannot read $path: $!\n";
    my $data = do { local $/; <$in> };
    for my $entry (split /^%[ \t]*\r?(?:\n|\z)/m, $data) {
      $entries++;
      my $text = decode_text($entry);
      1 while $text =~ s/[^\x08\n]\x08//;    # overstrike: what follows a backspace is shown
      $text = one_line($text);
      if ($text eq "") { $empty++; next; }
      my $key = lc $text;
      $key =~ s/[^[:alnum:]]+//g;
      $key = $text if $key eq "";
      $labels_of{$key}{$label} = 1;
      next if $count{$key}++;
      $first{$key} = { text => $text, label => $label };
      push @order, $key;
    }
  }
  my @conflicts = grep { keys %{ $labels_of{$_} } > 1 } @order;
  my %conflict = map { $_ => 1 } @conflicts;
  my @keep = grep { !$conflict{$_} } @order;
  my $repeats = 0;
  $repeats += $count{$_} - 1 for @keep;
  my $dropped = 0;
  $dropped += $count{$_} for @conflicts;
  my %hash;
  for my $key (@keep) {
    my $bytes = $key;
    utf8::encode($bytes);
    $hash{$key} = fnv1a32($bytes);
  }
  my %fh;
  for my $split (qw(train test)) {
    open $fh{$split}, ">:raw", "$outdir/$split.tsv" or die "cannot write $outdir/$split.tsv: $!\n";
    print { $fh{$split} } "text\tlabel\n";
  }
  for my $key (sort { $hash{$a} <=> $hash{$b} || $first{$a}{text} cmp $first{$b}{text} } @keep) {
    my $split = $hash{$key} % 5 == 0 ? "test" : "train";
    write_utf8($fh{$split}, "$first{$key}{text}\t$first{$key}{label}\n");
  }
  for my $split (qw(train test)) { close $fh{$split} or die "cannot write $outdir/$split.tsv: $!\n"; }
  print "$entries entries read, $empty empty, $repeats repeated copies dropped, "
    . scalar(@conflicts) . " texts found under two labels dropped ($dropped copies), "
    . scalar(@keep) . " kept\n";
}

my $mode = shift @ARGV // "";
if ($mode eq "arff") { arff_to_tsv(@ARGV); }
elsif ($mode eq "fortunes") { fortunes_to_tsv(@ARGV); }
else { die "unknown mode '$mode'\n"; }
PERL
)

# Checks a TSV file: the header, then rows of exactly 2 non-empty fields.
check_tsv() {
  local bad
  [ "$(head -n 1 "$1")" = "$(printf 'text\tlabel')" ] || die "$1: wrong header"
  bad=$(awk -F '\t' 'NR > 1 && (NF != 2 || $1 == "" || $2 == "") { n++ } END { print n + 0 }' "$1")
  [ "$bad" = 0 ] || die "$1: $bad malformed rows"
  [ "$(wc -l < "$1")" -gt 1 ] || die "$1: no rows"
}

# Moves the files of one output set into place: tmp/NAME/*.tsv -> out/NAME/*.tsv.
install_set() {
  local name=$1 f target
  mkdir -p "$out/$name" || die "cannot create $out/$name"
  for f in "$tmp/$name"/*.tsv; do
    check_tsv "$f"
    target="$out/$name/$(basename "$f")"
    if ! { cp "$f" "$target.tmp.$$" && mv "$target.tmp.$$" "$target"; }; then
      die "cannot write $target"
    fi
  done
}

packages=""
[ "$need_reuters" = 1 ] && packages="$packages weka"
[ "$need_fortunes" = 1 ] && packages="$packages fortunes"

say "downloading$packages (not installing)"
# shellcheck disable=SC2086  # $packages is a list of words
if ! (cd "$tmp" && apt-get download $packages > "$tmp/apt.log" 2>&1); then
  say "download failed; running apt-get update and retrying"
  apt-get update > "$tmp/update.log" 2>&1 ||
    die "apt-get update failed (needs root or network): $(tail -n 3 "$tmp/update.log")"
  # shellcheck disable=SC2086
  (cd "$tmp" && apt-get download $packages > "$tmp/apt.log" 2>&1) ||
    die "apt-get download$packages failed: $(tail -n 3 "$tmp/apt.log")"
fi

for p in $packages; do
  deb=$(find "$tmp" -maxdepth 1 -name "${p}_*.deb" | head -n 1)
  [ -n "$deb" ] || die "apt-get download left no ${p}_*.deb"
  say "unpacking $(basename "$deb")"
  dpkg-deb -x "$deb" "$tmp/pkg" || die "cannot unpack $deb"
done

if [ "$need_reuters" = 1 ]; then
  examples="$tmp/pkg/usr/share/doc/weka/examples"
  for task in grain corn; do
    Task=${task^}
    mkdir -p "$tmp/reuters-$task"
    for split in train test; do
      arff="$examples/Reuters$Task-$split.arff"
      if [ ! -f "$arff" ] && [ -f "$arff.gz" ]; then
        zcat "$arff.gz" > "$tmp/Reuters$Task-$split.arff" || die "cannot decompress $arff.gz"
        arff="$tmp/Reuters$Task-$split.arff"
      fi
      [ -f "$arff" ] || die "the weka package has no ${arff#"$tmp/pkg/"}{,.gz}"
      say "converting Reuters$Task-$split.arff -> reuters-$task/$split.tsv"
      perl -e "$converter" arff "$arff" "$task" > "$tmp/reuters-$task/$split.tsv" ||
        die "converting $arff failed"
    done
    install_set "reuters-$task"
  done
fi

if [ "$need_fortunes" = 1 ]; then
  dir="$tmp/pkg/usr/share/games/fortunes"
  set --
  for label in $fortune_labels; do
    [ -f "$dir/$label" ] || die "the fortunes package has no usr/share/games/fortunes/$label"
    set -- "$@" "$label=$dir/$label"
  done
  say "converting fortune files ($fortune_labels) -> fortunes/{train,test}.tsv"
  mkdir -p "$tmp/fortunes"
  report=$(perl -e "$converter" fortunes "$tmp/fortunes" "$@") || die "converting the fortune files failed"
  say "fortunes: $report"
  install_set fortunes
fi

say "wrote the outputs under $out"
summary
