#!/usr/bin/perl
# The reference SPF evaluator (Mail::SPF, Debian's libmail-spf-perl) against one DNS server,
# for packages/probe/test/spf-reference.test.ts:
#   perl mail-spf-eval.pl HOST PORT SENDER_IP DOMAIN...
# Prints one line per domain: "DOMAIN CODE TEXT" (CODE: pass fail softfail neutral none permerror temperror).
use strict;
use warnings;
use Mail::SPF;
use Net::DNS::Resolver;

my ($host, $port, $ip, @domains) = @ARGV;
my $resolver = Net::DNS::Resolver->new(
  nameservers => [$host], port => $port, recurse => 1,
  udp_timeout => 2, tcp_timeout => 2, retrans => 1, retry => 1,
);
my $server = Mail::SPF::Server->new(dns_resolver => $resolver);
for my $domain (@domains) {
  my $request = Mail::SPF::Request->new(versions => [1], scope => 'mfrom', identity => "postmaster\@$domain", ip_address => $ip);
  my $result = $server->process($request);
  my $text = $result->can('local_explanation') ? $result->local_explanation : $result->text;
  $text =~ s/\s+/ /g;
  print "$domain ", $result->code, " $text\n";
}
