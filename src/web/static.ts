/** Static assets, kept in code: a handful of small files, served with long cache lifetimes. */
export const STYLESHEET = `
*{box-sizing:border-box}body{margin:0 auto;max-width:40rem;padding:.75rem;font:16px/1.45 system-ui,sans-serif;color:#1d2430;background:#fbfcfd}
h1{font-size:1.3rem;margin:.5rem 0 1rem}h2{font-size:1.1rem;margin:1.1rem 0 .4rem}h3{font-size:1rem}a{color:#1b5fb3}
input,textarea,button,select{font:inherit;padding:.45rem .55rem;border:1px solid #9aa8b8;border-radius:.35rem;max-width:100%}
button{background:#1b5fb3;color:#fff;border-color:#1b5fb3;cursor:pointer}
form.inline{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
time{unicode-bidi:isolate;direction:ltr}
footer{margin-top:2rem;padding-top:.6rem;border-top:1px solid #e2e8f0;font-size:.9rem}
.phone{border:2px solid #1d2430;border-radius:1.2rem;padding:.75rem;background:#fff;max-width:22rem}
.sms{list-style:none;margin:0 0 .75rem;padding:0;max-height:26rem;overflow-y:auto}
pre.ussd{font:inherit;white-space:pre-wrap;overflow-wrap:anywhere;margin:0 0 .75rem;padding:.6rem;background:#e8eef5;border-radius:.5rem}
.sms li{margin:.35rem 0;padding:.45rem .6rem;border-radius:.8rem;background:#e8eef5;white-space:pre-wrap;overflow-wrap:anywhere}
.sms li small{display:block;color:#5a6675;font-size:.75rem}
.sms li.suppressed{opacity:.6;text-decoration:line-through}
.sms li.from-sparrow{margin-inline-end:2.5rem}.sms li.from-phone{margin-inline-start:2.5rem;background:#1b5fb3;color:#fff}.sms li.from-phone small{color:#eef3fa}
.sms li.from-phone.refused{background:#fdecea;color:#1d2430;border:1px solid #b42318}.sms li.from-phone.refused small{color:#8a1c12}
.sms li.from-phone.held{background:#fff4e5;color:#1d2430;border:1px solid #b45309}.sms li.from-phone.held small{color:#5a3a06}
.note{color:#5a6675;font-size:.9rem}.outcome{padding:.4rem .6rem;border-radius:.35rem;border-inline-start:4px solid #15803d;background:#eef7ee}
.outcome.refused{background:#fdecea;border-inline-start-color:#b42318;font-weight:600}.outcome.held,.outcome.pending{background:#fff4e5;border-inline-start-color:#b45309}
header nav{display:flex;flex-wrap:wrap;gap:.3rem .7rem;align-items:center;padding:.4rem 0 .6rem;border-bottom:1px solid #d8e0e8;margin-bottom:.5rem;font-size:.95rem}
@media (min-width:50rem){body{max-width:48rem}}
nav a[aria-current=page]{font-weight:700;text-decoration:none;color:#1d2430}
nav.sub{display:flex;flex-wrap:wrap;gap:.2rem .7rem;font-size:.9rem;margin:.3rem 0 .6rem}
form.inline{display:inline-flex}form.out{margin-inline-start:auto}
button.link,form.link button{background:none;border:0;color:#1b5fb3;padding:0;text-decoration:underline;font-size:.9rem}
article.promoted{border-inline-start:3px solid #b58900;padding-inline-start:.5rem}
button.secondary{background:#fff;color:#1b5fb3}code.code{font-size:1.1rem;word-break:break-all}
button.danger,form.danger button{background:#b42318;border-color:#b42318}
a.btn.danger{color:#b42318;border-color:#b42318;background:#fff}.state{margin:.6rem 0}.state h2{margin-top:0}
ol.audit>li p{margin:.15rem 0}.why{font-style:italic;overflow-wrap:anywhere}details>summary{cursor:pointer;color:#1b5fb3}
dl.details{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.1rem .6rem;margin:.3rem 0;font-size:.85rem}
dl.details dt{font-weight:600}dl.details dd{margin:0;min-width:0}
@media (max-width:30rem){dl.details{grid-template-columns:minmax(0,1fr)}dl.details dd{margin-bottom:.25rem}}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.4rem 0}
label{font-weight:600}label input[type=checkbox]{margin-inline-end:.3rem}
textarea{width:100%}input:not([type=checkbox]){max-width:100%}
.compose{margin:0 0 1rem;padding:.6rem;background:#fff;border:1px solid #d8e0e8;border-radius:.5rem}
.post{padding:.6rem 0;border-bottom:1px solid #e2e8f0;overflow-wrap:anywhere}.post .text p{margin:.3rem 0}
.media{display:grid;grid-template-columns:repeat(auto-fit,minmax(8rem,1fr));gap:.3rem;margin:.4rem 0}.media img{display:block;width:100%;height:auto;max-height:24rem;object-fit:cover;border-radius:.4rem;background:#e2e8f0}
img.avatar{width:3rem;height:3rem;border-radius:.4rem;vertical-align:middle}img.banner{display:block;width:100%;height:auto;border-radius:.4rem}
.meta{margin:.1rem 0;color:#5a6675;font-size:.85rem}.meta form{display:inline}
.who{text-decoration:none;color:inherit}.acct{color:#5a6675;font-weight:400;font-size:.9em}
.focus .post{font-size:1.1rem}.thread{margin:.5rem 0}
.poll{margin:.4rem 0}.poll fieldset{border:1px solid #d8e0e8;border-radius:.35rem;margin:0 0 .4rem}.poll fieldset label{display:block;font-weight:400;padding:.15rem 0}.poll ul{list-style:none;padding:0;margin:0}.poll li{padding:.15rem 0}.poll progress{width:8rem;max-width:40%;vertical-align:middle}.poll-compose{margin:.4rem 0}.poll-compose label{display:block;margin-top:.3rem}
.plain{list-style:none;padding:0;margin:0}.plain>li{padding:.45rem 0;border-bottom:1px solid #e2e8f0}
.notice{padding:.45rem .6rem;background:#eef7ee;border-inline-start:4px solid #15803d}
.notice.warn{background:#fff4e5;border-inline-start-color:#b45309}
.error{padding:.45rem .6rem;background:#fdecea;border-inline-start:4px solid #b42318}
.warn{padding:.45rem .6rem;background:#fff7e6;border-inline-start:4px solid #c2410c}
.ok{padding:.1rem .6rem;border-inline-start:4px solid #15803d}
.placeholder{padding:.6rem;border:2px dashed #9aa8b8;border-radius:.5rem}
.card{padding:.6rem;border:1px solid #d8e0e8;border-radius:.5rem;background:#fff}
blockquote{margin:.2rem 0;padding:.3rem .6rem;border-inline-start:3px solid #9aa8b8;white-space:pre-wrap;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-size:.9rem;display:block;overflow-x:auto}
th,td{text-align:start;padding:.35rem;border-bottom:1px solid #e2e8f0;vertical-align:top}
form.cell{display:flex;flex-wrap:wrap;gap:.3rem;align-items:center}form.cell label{font-weight:400}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.chart{margin:.5rem 0 1rem}.chart svg{display:block;background:#fff;border:1px solid #e2e8f0}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.2rem 1rem;font-size:.85rem}
.swatch[data-colour="0"]{color:#1b5fb3}.swatch[data-colour="1"]{color:#c2410c}.swatch[data-colour="2"]{color:#15803d}
.swatch[data-colour="3"]{color:#7e22ce}.swatch[data-colour="4"]{color:#be123c}.swatch[data-colour="5"]{color:#0e7490}
.counter{display:block;font-size:.85rem;color:#5a6675}.counter.over{color:#b42318;font-weight:700}
a.btn{display:inline-block;padding:.45rem .55rem;border:1px solid #1b5fb3;border-radius:.35rem;text-decoration:none}
code{background:#eef2f6;padding:0 .2rem;border-radius:.2rem;overflow-wrap:anywhere}
code.secret{font-size:1.1rem;letter-spacing:.05em}ol.codes{columns:2;font-size:1.05rem}
ul.sessions li{display:flex;flex-wrap:wrap;gap:.2rem .6rem;align-items:baseline}
@media (max-width:30rem){table.policy,table.policy tbody,table.policy tr,table.policy td,table.policy th{display:block}
table.policy thead{display:none}table.policy tr{border-bottom:1px solid #d8e0e8;padding:.3rem 0}table.policy td,table.policy th{border:0;padding:.15rem 0}}
`;

/**
 * Keeps the phone simulator's conversation fresh: fetches the page itself (so received and
 * sent texts render exactly as the server renders them) and swaps the list when it changed.
 */
export const PHONE_SCRIPT = `
(function(){var list=document.querySelector('[data-inbox]');if(!list)return;var number=list.getAttribute('data-inbox');
function refresh(){fetch('/dev/phone?reload=off&number='+encodeURIComponent(number),{credentials:'same-origin'}).then(function(r){return r.ok?r.text():''}).then(function(text){
if(!text)return;var fresh=new DOMParser().parseFromString(text,'text/html').querySelector('[data-inbox]');
if(fresh&&list.innerHTML!==fresh.innerHTML){list.innerHTML=fresh.innerHTML;list.scrollTop=list.scrollHeight}}).catch(function(){})}
list.scrollTop=list.scrollHeight;setInterval(refresh,2000)})();
`;

/**
 * Progressive enhancement only: a live character counter under textareas with data-max (its
 * words in data-left-<plural category>, rendered from the catalogue by `scriptCount`), and
 * the browser's time zone in empty fields marked data-browser-time-zone (sign-up, settings).
 */
export const SITE_SCRIPT = `
(function(){var areas=document.querySelectorAll('textarea[data-max]');for(var i=0;i<areas.length;i++)(function(t){
var max=+t.getAttribute('data-max'),out=document.createElement('span');out.className='counter';out.setAttribute('aria-live','polite');
var lang=document.documentElement.lang||'en',rules=window.Intl&&Intl.PluralRules?new Intl.PluralRules(lang):null,num=window.Intl?new Intl.NumberFormat(lang):null;
t.parentNode.insertBefore(out,t.nextSibling);function upd(){var n=Array.from(t.value).length,left=max-n,c=rules?rules.select(Math.abs(left)):'other';
out.textContent=(t.getAttribute('data-left-'+c)||t.getAttribute('data-left-other')||'#').replace('#',num?num.format(left):String(left));
out.className='counter'+(left<0?' over':'')}t.addEventListener('input',upd);upd()})(areas[i])})();
(function(){var zone;try{zone=Intl.DateTimeFormat().resolvedOptions().timeZone}catch(e){return}if(!zone)return;
var fields=document.querySelectorAll('input[data-browser-time-zone]');for(var i=0;i<fields.length;i++)if(!fields[i].value)fields[i].value=zone})();
`;

/**
 * Passkeys (WebAuthn) need script: the pages explain that without it and this file, when it
 * runs, reveals the passkey buttons. Sign-in: options from the JSON API for the flow, then
 * navigator.credentials.get, and the result goes back in the form's hidden field. Registration:
 * options from the settings route (password checked there), navigator.credentials.create,
 * then a normal form post. Binary fields travel as base64url, as the server library expects.
 */
export const PASSKEY_SCRIPT = `
(function(){var d=document;
function toBuf(s){s=String(s).replace(/-/g,'+').replace(/_/g,'/');while(s.length%4)s+='=';var b=atob(s),a=new Uint8Array(b.length);for(var i=0;i<b.length;i++)a[i]=b.charCodeAt(i);return a.buffer}
function toB64(buf){if(!buf)return undefined;var a=new Uint8Array(buf),s='';for(var i=0;i<a.length;i++)s+=String.fromCharCode(a[i]);return btoa(s).replace(/\\+/g,'-').replace(/\\//g,'_').replace(/=+$/,'')}
function fail(form,e){var p=form.querySelector('.passkey-error');if(!p){p=d.createElement('p');p.className='error passkey-error';p.setAttribute('role','alert');form.insertBefore(p,form.firstChild)}
p.textContent=e&&e.name==='NotAllowedError'?form.getAttribute('data-passkey-cancelled'):e&&e.expired?form.getAttribute('data-passkey-expired'):(e&&e.message)||form.getAttribute('data-passkey-failed')}
function base(c){return{id:c.id,rawId:toB64(c.rawId),type:c.type,authenticatorAttachment:c.authenticatorAttachment||undefined,clientExtensionResults:c.getClientExtensionResults?c.getClientExtensionResults():{}}}
function json(r){return r.json().catch(function(){return{}}).then(function(j){if(!r.ok){var e=new Error(j.error||'');e.expired=!j.error;throw e}return j})}
if(!window.PublicKeyCredential||!navigator.credentials)return;
var notes=d.querySelectorAll('[data-passkey-nojs]');for(var i=0;i<notes.length;i++)notes[i].hidden=true;
var signIns=d.querySelectorAll('form[data-passkey="sign-in"]');for(var j=0;j<signIns.length;j++)(function(form){
var b=form.querySelector('button');if(b)b.hidden=false;
form.addEventListener('submit',function(ev){ev.preventDefault();
fetch('/api/v1/sparrow/auth/sign_in/passkey_options',{method:'POST',credentials:'same-origin',headers:{'content-type':'application/json'},body:JSON.stringify({flow_id:form.elements.flow_id.value})})
.then(json).then(function(o){o.challenge=toBuf(o.challenge);(o.allowCredentials||[]).forEach(function(c){c.id=toBuf(c.id)});return navigator.credentials.get({publicKey:o})})
.then(function(c){var r=c.response,out=base(c);out.response={clientDataJSON:toB64(r.clientDataJSON),authenticatorData:toB64(r.authenticatorData),signature:toB64(r.signature),userHandle:toB64(r.userHandle)};
form.elements.credential.value=JSON.stringify(out);form.submit()}).catch(function(e){fail(form,e)})})})(signIns[j]);
var regs=d.querySelectorAll('form[data-passkey="register"]');for(var k=0;k<regs.length;k++)(function(form){form.hidden=false;
form.addEventListener('submit',function(ev){ev.preventDefault();
fetch(form.action,{method:'POST',credentials:'same-origin',headers:{accept:'application/json'},body:new URLSearchParams(new FormData(form))})
.then(json).then(function(o){o.challenge=toBuf(o.challenge);o.user.id=toBuf(o.user.id);(o.excludeCredentials||[]).forEach(function(c){c.id=toBuf(c.id)});return navigator.credentials.create({publicKey:o})})
.then(function(c){var r=c.response,out=base(c);out.response={clientDataJSON:toB64(r.clientDataJSON),attestationObject:toB64(r.attestationObject),
transports:r.getTransports?r.getTransports():[],authenticatorData:r.getAuthenticatorData?toB64(r.getAuthenticatorData()):undefined,
publicKeyAlgorithm:r.getPublicKeyAlgorithm?r.getPublicKeyAlgorithm():undefined,publicKey:r.getPublicKey&&r.getPublicKey()?toB64(r.getPublicKey()):undefined};
var f=d.createElement('form');f.method='post';f.action=form.getAttribute('data-finish');
[['_csrf',form.elements._csrf.value],['name',form.elements.name.value],['credential',JSON.stringify(out)]].forEach(function(p){var i=d.createElement('input');i.type='hidden';i.name=p[0];i.value=p[1];f.appendChild(i)});
d.body.appendChild(f);f.submit()}).catch(function(e){fail(form,e)})})})(regs[k]);
})();
`;

/**
 * The sign-up check (issue 11, finding 6): finds a nonce so that SHA-256(challenge + nonce)
 * starts with the number of zero bits the form asks for, in slices so the page stays
 * responsive, and submits once it has one. Plain SHA-256 in script, because `crypto.subtle`
 * exists only on HTTPS and localhost. Without scripts the form is sent without a nonce and
 * the account waits for a moderator (the page says so in its <noscript>).
 */
export const SIGNUP_POW_SCRIPT = `
(function(){var form=document.querySelector('form[data-pow-bits]');if(!form)return;
var bits=+form.getAttribute('data-pow-bits'),challenge=form.querySelector('input[name=pow_challenge]').value,
field=form.querySelector('input[name=pow_nonce]'),status=document.getElementById('pow-status'),waiting=false,done=false;
var K=[0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2],W=new Array(64);
function first32(s){var n=s.length,l=((n+9+63)>>6)<<4,m=new Array(l),i;for(i=0;i<l;i++)m[i]=0;
for(i=0;i<n;i++)m[i>>2]|=(s.charCodeAt(i)&255)<<(24-(i&3)*8);m[n>>2]|=0x80<<(24-(n&3)*8);m[l-1]=n*8;
var h=[0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19];
for(var o=0;o<l;o+=16){var a=h[0],b=h[1],c=h[2],d=h[3],e=h[4],f=h[5],g=h[6],k=h[7],t;
for(i=0;i<64;i++){if(i<16)W[i]=m[o+i]|0;else{var x=W[i-15],y=W[i-2];
W[i]=(((x>>>7|x<<25)^(x>>>18|x<<14)^(x>>>3))+W[i-7]+((y>>>17|y<<15)^(y>>>19|y<<13)^(y>>>10))+W[i-16])|0}
t=(k+((e>>>6|e<<26)^(e>>>11|e<<21)^(e>>>25|e<<7))+((e&f)^(~e&g))+K[i]+W[i])|0;
var u=(((a>>>2|a<<30)^(a>>>13|a<<19)^(a>>>22|a<<10))+((a&b)^(a&c)^(b&c)))|0;k=g;g=f;f=e;e=(d+t)|0;d=c;c=b;b=a;a=(t+u)|0}
h[0]=(h[0]+a)|0;h[1]=(h[1]+b)|0;h[2]=(h[2]+c)|0;h[3]=(h[3]+d)|0;h[4]=(h[4]+e)|0;h[5]=(h[5]+f)|0;h[6]=(h[6]+g)|0;h[7]=(h[7]+k)|0}
return h}
function zeros(h){var n=0;for(var i=0;i<8;i++){if(h[i]===0){n+=32;continue}return n+Math.clz32(h[i])}return n}
function say(text){if(status){status.hidden=false;status.textContent=text}}
var nonce=0;function work(){var end=Date.now()+40;while(Date.now()<end){for(var i=0;i<500;i++,nonce++){if(zeros(first32(challenge+nonce))>=bits){
field.value=String(nonce);done=true;say(status&&status.getAttribute('data-done'));if(waiting)form.submit();return}}}setTimeout(work,0)}
form.addEventListener('submit',function(ev){if(done)return;ev.preventDefault();waiting=true;say(status&&status.getAttribute('data-waiting'))});
say(status&&status.getAttribute('data-running'));work()})();
`;
