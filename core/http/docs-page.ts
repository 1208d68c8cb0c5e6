// A self-contained API reference page: asks for an API key, loads /api/v1/openapi.json with it
// and lists every operation with its roles and schemas. No third-party assets, no CDN.
export const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vigil API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24}
h1{font-size:1.6rem} code,pre{font-family:ui-monospace,monospace;font-size:13px}
details{border:1px solid #d0d7de;border-radius:6px;margin:.4rem 0;padding:.3rem .7rem}
summary{cursor:pointer} .m{display:inline-block;min-width:4.5rem;font-weight:600}
.GET{color:#0969da}.POST{color:#1a7f37}.DELETE{color:#cf222e}.PUT,.PATCH{color:#9a6700}
pre{background:#f6f8fa;padding:.6rem;overflow:auto} input{width:28rem;padding:.3rem}
:focus-visible{outline:3px solid #0969da;outline-offset:2px}
</style></head><body>
<h1>Vigil API reference</h1>
<p>Every route except <code>/healthz</code> and <code>/readyz</code> needs <code>Authorization: Bearer &lt;api key&gt;</code>.
Enter a key to load the OpenAPI document (<code>/api/v1/openapi.json</code>); it stays in this tab only.</p>
<form id="f"><label>API key <input id="k" type="password" autocomplete="off"></label> <button>Load</button></form>
<p id="msg" role="status"></p><div id="ops"></div>
<script>
const f=document.getElementById('f'),msg=document.getElementById('msg'),ops=document.getElementById('ops');
function esc(s){return String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));}
f.addEventListener('submit',async e=>{e.preventDefault();msg.textContent='Loading…';ops.innerHTML='';
 const r=await fetch('openapi.json',{headers:{authorization:'Bearer '+document.getElementById('k').value}});
 const doc=await r.json(); if(!r.ok){msg.textContent=doc.message||('HTTP '+r.status);return;}
 msg.textContent=doc.info.title+' '+doc.info.version;
 for(const [p,item] of Object.entries(doc.paths)) for(const [m,op] of Object.entries(item)){
  const d=document.createElement('details');
  d.innerHTML='<summary><span class="m '+m.toUpperCase()+'">'+m.toUpperCase()+'</span><code>'+esc(p)+'</code> '+esc(op.summary||'')+'</summary><pre>'+esc(JSON.stringify({parameters:op.parameters,requestBody:op.requestBody,responses:op.responses},null,2))+'</pre>';
  ops.appendChild(d);} });
</script></body></html>`;
