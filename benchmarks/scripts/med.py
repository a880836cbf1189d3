# Summarizes lmtp-alternate.sh output: median and range of msg/s and CPU per variant (python3 med.py FILE).
import sys,re,statistics as st,collections
d=collections.defaultdict(lambda:{'rate':[],'cpu':[],'fl':[],'cs':[]})
for l in open(sys.argv[1]):
    m=re.match(r'(\S+): \d+ msg in [\d.]+s = (\d+) msg/s; cpu (\d+) us/msg .*flushes ([\d.]+)/msg; ctxsw\(all\) ([\d.]+)',l)
    if not m: continue
    v=d[m.group(1)]; v['rate'].append(int(m.group(2))); v['cpu'].append(int(m.group(3))); v['fl'].append(float(m.group(4))); v['cs'].append(float(m.group(5)))
for k,v in d.items():
    print("%-8s n=%d  msg/s median %5d (%d-%d)  cpu us/msg median %4d (%d-%d)  flushes %.2f  ctxsw %.1f"%(k,len(v['rate']),st.median(v['rate']),min(v['rate']),max(v['rate']),st.median(v['cpu']),min(v['cpu']),max(v['cpu']),st.median(v['fl']),st.median(v['cs'])))
