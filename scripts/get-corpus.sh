#!/bin/sh
# get-corpus.sh — fetches the default pretraining corpus: the Free On-line Dictionary of Computing
# (FOLDOC, GFDL) from Debian's dict-foldoc package, without installing the package.
#
#   scripts/get-corpus.sh [OUT]      (default OUT: data/foldoc/foldoc.txt in the source tree)
#
# Steps: `apt-get download dict-foldoc` into a temporary directory (running `apt-get update` first
# when the package lists are missing), `dpkg-deb -x`, decompress usr/share/dictd/foldoc.dict.dz and
# cut it into entries with the dictd index (foldoc.index: headword, base64 offset, base64 length).
# Each entry becomes one document in Google's pretraining format: one sentence per line, a blank
# line between documents. Cleaning: the headword lines, date lines "(1997-03-03)", notes and references
# "[...]", "<domain>" tags, code and diagrams (lines indented by 6 or more spaces) and paragraphs
# that are only cross-references are dropped; "{link}" and "{text (url)}" keep their text;
# "__emphasis__" loses its underscores. Needs only sh, apt-get, dpkg-deb, gzip and perl (all in
# Debian's base system). Reading the dictd files, splitting sentences and writing the format are
# shared with get-large-corpus.sh in scripts/lib/CorpusText.pm. Idempotent: does nothing when OUT
# already exists.
set -eu

die() { echo "get-corpus: error: $*" >&2; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/data/foldoc/foldoc.txt"}

if [ -s "$out" ]; then
  echo "get-corpus: $out already present ($(wc -c < "$out") bytes); nothing to do"
  exit 0
fi

for tool in apt-get dpkg-deb zcat perl; do
  command -v "$tool" > /dev/null 2>&1 || die "'$tool' not found (this script needs a Debian system)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/get-corpus.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

echo "get-corpus: downloading dict-foldoc (not installing it)"
if ! (cd "$tmp" && apt-get download dict-foldoc > "$tmp/apt.log" 2>&1); then
  echo "get-corpus: download failed; running apt-get update and retrying"
  apt-get update > "$tmp/update.log" 2>&1 ||
    die "apt-get update failed (needs root or network): $(tail -n 3 "$tmp/update.log")"
  (cd "$tmp" && apt-get download dict-foldoc > "$tmp/apt.log" 2>&1) ||
    die "apt-get download dict-foldoc failed: $(tail -n 3 "$tmp/apt.log")"
fi

deb=$(ls "$tmp"/dict-foldoc_*.deb 2> /dev/null | head -n 1)
[ -n "$deb" ] || die "apt-get download left no dict-foldoc_*.deb"
dpkg-deb -x "$deb" "$tmp/pkg" || die "cannot unpack $deb"
dict="$tmp/pkg/usr/share/dictd/foldoc.dict.dz"
index="$tmp/pkg/usr/share/dictd/foldoc.index"
[ -f "$dict" ] && [ -f "$index" ] || die "the package has no usr/share/dictd/foldoc.{dict.dz,index}"
zcat "$dict" > "$tmp/foldoc.dict" || die "cannot decompress $dict"

mkdir -p "$(dirname "$out")" || die "cannot create $(dirname "$out")"
perl -I"$root/scripts/lib" -MCorpusText=dictd_entries,split_sentences,print_document -e '
use strict; use warnings;

# The cleaned text of one paragraph, or "" when it carries no prose.
sub clean_paragraph {
  my $p = join " ", @_;
  $p =~ s/\s+/ /g; $p =~ s/^ //; $p =~ s/ $//;
  return "" if $p =~ /^\(\d{4}-\d\d-\d\d\)$/;                 # date line
  return "" if $p =~ /^\[.*\]\.?$/;                          # editorial note, reference
  return "" if $p =~ /^(?:\{[^{}]*\}[\s,.;:]*)+$/;            # only cross-references
  $p =~ s/<[a-z][a-z0-9 ,\/+&-]*>\s*//g;                       # <domain> tags
  $p =~ s/^((?:\d+\. )?)<[A-Za-z][\w ,\/+&.-]*>\s*/$1/;            # <Domain, Vendor> first
  $p =~ s/\{([^{}]*?)\s*\(([^\s(){}]+)\)\}/length $1 ? $1 : $2/ge;  # {text (url)}
  $p =~ s/\{([^{}]*)\}/$1/g;                                   # {link}
  $p =~ s/__([^_]+)__/$1/g;                                    # __emphasis__
  $p =~ s/[{}]//g;                                             # unbalanced braces
  $p =~ s/\s+/ /g; $p =~ s/^ //; $p =~ s/ $//;
  return $p;
}

# The sentences of one entry: body paragraphs after the headword lines.
sub entry_sentences {
  my @lines = split /\n/, shift;
  shift @lines while @lines && length $lines[0];              # headword lines
  my (@sentences, @paragraph);
  for my $line (@lines, "") {
    if (length $line) {                                        # "   " does not end one
      push @paragraph, $line unless $line =~ /^ {6}/;          # code, diagrams
      next;
    }
    my $p = clean_paragraph(@paragraph);
    push @sentences, split_sentences($p) if length $p;
    @paragraph = ();
  }
  return @sentences;
}

my ($index_path, $dict_path) = @ARGV;
print_document(entry_sentences($_)) for dictd_entries($index_path, $dict_path);
' "$index" "$tmp/foldoc.dict" > "$tmp/foldoc.txt" || die "cleaning the dictionary failed"

[ -s "$tmp/foldoc.txt" ] || die "cleaning produced no text"
mv "$tmp/foldoc.txt" "$out.tmp.$$" && mv "$out.tmp.$$" "$out" || die "cannot write $out"

documents=$(awk 'BEGIN { n = 0; prev = "" } NF && prev == "" { n++ } { prev = $0 } END { print n }' "$out")
sentences=$(grep -c . "$out")
echo "get-corpus: wrote $out: $(wc -c < "$out") bytes, $documents documents, $sentences sentences"
