# CorpusText.pm — the parts shared by the corpus scripts (scripts/get-corpus.sh,
# scripts/get-large-corpus.sh): reading a dictd dictionary, splitting prose into sentences, and
# writing Google's pretraining format (one sentence per line, a blank line between documents).
#
#   perl -I scripts/lib -MCorpusText=dictd_entries,split_sentences,print_document -e '...'
#
# Only perl-base: strict, warnings and Exporter. Works on bytes (UTF-8 text passes through).
package CorpusText;
use strict;
use warnings;
use Exporter qw(import);
our @EXPORT_OK = qw(dictd_entries split_sentences print_document);

# dictd numbers: base64 digits (A-Z a-z 0-9 + /), most significant first.
my $digits = join "", "A" .. "Z", "a" .. "z", "0" .. "9", "+", "/";
my %value;
@value{split //, $digits} = (0 .. 63);
sub b64 { my $n = 0; $n = $n * 64 + $value{$_} for split //, shift; return $n; }

# The entries of a dictd dictionary: dictd_entries(INDEX, DICT [, SKIP]) -> the text of every
# entry, once each (several headwords share one entry), in file order. INDEX is the .index file
# (headword, base64 offset, base64 length per line), DICT the decompressed .dict. Entries with a
# headword matching SKIP (default: dictd's "00-database-..." metadata) are left out.
sub dictd_entries {
  my ($index_path, $dict_path, $skip) = @_;
  $skip //= qr/^00-?database/;
  open my $dict_fh, "<:raw", $dict_path or die "cannot read $dict_path: $!\n";
  my $dict = do { local $/; <$dict_fh> };
  my (%length, %skipped);
  open my $index_fh, "<:raw", $index_path or die "cannot read $index_path: $!\n";
  while (<$index_fh>) {
    chomp;
    my ($word, $offset, $length) = split /\t/;
    next unless defined $length;
    if ($word =~ $skip) { $skipped{b64($offset)} = 1; next; }
    $length{b64($offset)} = b64($length);
  }
  return map { substr($dict, $_, $length{$_}) }
    grep { !$skipped{$_} } sort { $a <=> $b } keys %length;
}

my %abbreviation = map { $_ => 1 }
  qw(mr mrs ms dr st no vs etc e.g i.e cf prof jr sr inc ltd fig approx);

# True when token (ending in . ! or ?, maybe with closing quotes/brackets) ends a sentence
# before the token next. extra: more abbreviations (lower case, without the final dot).
sub ends_sentence {
  my ($token, $next, $extra) = @_;
  return 0 unless $token =~ /^(.*?)([.!?])["\x27)\]]*$/s;
  my ($word, $mark) = ($1, $2);
  return 0 unless $next =~ /^["\x27(\[]?[A-Z0-9]/;
  return 1 if $mark ne ".";
  $word =~ s/^["\x27(\[]+//;
  return 0 if $abbreviation{lc $word} || ($extra && $extra->{lc $word});
  return 0 if $word =~ /^[A-Z]$/;                                # initial
  return 0 if $word =~ /^(?:[A-Za-z]\.)+[A-Za-z]$/;              # e.g., J.P.
  return 1;
}

# The sentences of a paragraph: split_sentences(TEXT [, EXTRA]), EXTRA a hash reference of
# more abbreviations. A sentence ends at . ! or ? (maybe followed by closing quotes or brackets)
# before a word starting with a capital or a digit, except after an abbreviation or an initial.
sub split_sentences {
  my ($text, $extra) = @_;
  my @tokens = split " ", $text;
  my (@sentences, @current);
  for my $i (0 .. $#tokens) {
    push @current, $tokens[$i];
    if ($i == $#tokens || ends_sentence($tokens[$i], $tokens[$i + 1], $extra)) {
      push @sentences, join " ", @current;
      @current = ();
    }
  }
  return @sentences;
}

# Writes one document (its sentences, one a line) to the selected output handle, after a blank
# line unless it is the first; a document without sentences is skipped.
my $documents = 0;
sub print_document {
  return unless @_;
  print "\n" if $documents++;
  print "$_\n" for @_;
}

1;
