# bench.gp: decisions/s and p99 latency by concurrency, relaymilter vs the
# null milter (called by report.sh with datafile and outfile set).
# Columns: conns, then (dec/s, p99 us) for null-lookups, warm10k, warmbig,
# miss10k, null-mix, static.
set terminal pngcairo size 1200,500 font ",10"
set output outfile
set multiplot layout 1,2 title "relaymilter vs null milter (same run)"
set logscale x 2
set xlabel "concurrent milter connections"
set key top left
set grid
set ylabel "recipient decisions/s"
set yrange [0:*]
plot datafile u 1:2 w lp lw 2 t "null milter (lookups mix)", \
     '' u 1:4 w lp lw 2 t "relaymilter, LDAP 10k, warm cache", \
     '' u 1:6 w lp lw 2 t "relaymilter, LDAP 100k, warm cache", \
     '' u 1:8 w lp lw 2 t "relaymilter, LDAP 10k, every lookup a miss", \
     '' u 1:10 w lp dt 2 t "null milter (full mix)", \
     '' u 1:12 w lp dt 2 t "relaymilter, static policy (full mix)"
set ylabel "p99 decision latency (us)"
set logscale y
set yrange [*:*]
plot datafile u 1:3 w lp lw 2 t "null milter (lookups mix)", \
     '' u 1:5 w lp lw 2 t "relaymilter, LDAP 10k, warm cache", \
     '' u 1:7 w lp lw 2 t "relaymilter, LDAP 100k, warm cache", \
     '' u 1:9 w lp lw 2 t "relaymilter, LDAP 10k, every lookup a miss", \
     '' u 1:11 w lp dt 2 t "null milter (full mix)", \
     '' u 1:13 w lp dt 2 t "relaymilter, static policy (full mix)"
unset multiplot
