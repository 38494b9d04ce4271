#!/usr/bin/python3
# The second reference SPF evaluator (pyspf, Debian's python3-spf, RFC 7208, over dnspython) against one
# DNS server, for packages/probe/test/spf-reference.test.ts:
#   python3 pyspf-eval.py HOST PORT SENDER_IP DOMAIN...
# Prints one line per domain: "DOMAIN CODE TEXT" (CODE: pass fail softfail neutral none permerror temperror).
import sys

import dns.resolver
import spf

host, port, ip, *domains = sys.argv[1:]
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = [host]
resolver.port = int(port)
resolver.timeout = 2
resolver.lifetime = 4
# pyspf asks through dnspython's module-level functions, which use the default resolver.
dns.resolver.default_resolver = resolver
for domain in domains:
    result, _code, text = spf.query(i=ip, s='postmaster@' + domain, h=domain, timeout=4).check()
    print(domain, result, ' '.join(str(text).split()))
