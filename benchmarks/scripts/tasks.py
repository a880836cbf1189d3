# Context switches and CPU per message by thread kind, from two snapshots of /proc/<pid>/task (lmtp-ab.sh PROF=tasks).
import sys,collections,re
def load(f):
    d=collections.defaultdict(lambda:[0,0,0])
    for l in open(f):
        p=l.split()
        if len(p)<4: continue
        name=re.sub(r'[-#]?\d+$','',p[0]); name=re.sub(r'\d+','N',name)
        for i in range(3): d[name][i]+=int(p[1+i])
    return d
a=load(sys.argv[1]); b=load(sys.argv[2]); n=int(sys.argv[3])
rows=[(k,[(b[k][i]-a.get(k,[0,0,0])[i]) for i in range(3)]) for k in b]
rows.sort(key=lambda r:-(r[1][0]+r[1][1]))
print("%-28s %8s %8s %8s"%("thread","vol/msg","invol/msg","cpu us/msg"))
for k,v in rows[:20]:
    print("%-28s %8.2f %8.2f %8.1f"%(k,v[0]/n,v[1]/n,v[2]*10000/n))
