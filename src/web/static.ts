/** Static assets, kept in code: a handful of small files, served with long cache lifetimes. */
export const STYLESHEET = `
*{box-sizing:border-box}body{margin:0 auto;max-width:40rem;padding:.75rem;font:16px/1.45 system-ui,sans-serif;color:#1d2430;background:#fbfcfd}
h1{font-size:1.3rem;margin:.5rem 0 1rem}a{color:#1b5fb3}
input,textarea,button,select{font:inherit;padding:.45rem .55rem;border:1px solid #9aa8b8;border-radius:.35rem;max-width:100%}
button{background:#1b5fb3;color:#fff;border-color:#1b5fb3;cursor:pointer}
form.inline{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
.phone{border:2px solid #1d2430;border-radius:1.2rem;padding:.75rem;background:#fff;max-width:22rem}
.sms{list-style:none;margin:0 0 .75rem;padding:0;max-height:26rem;overflow-y:auto}
.sms li{margin:.35rem 0;padding:.45rem .6rem;border-radius:.8rem;background:#e8eef5;white-space:pre-wrap;overflow-wrap:anywhere}
.sms li small{display:block;color:#5a6675;font-size:.75rem}
.sms li.suppressed{opacity:.6;text-decoration:line-through}
.note{color:#5a6675;font-size:.9rem}.outcome{padding:.4rem .6rem;background:#eef7ee;border-radius:.35rem}
`;

export const PHONE_SCRIPT = `
(function(){var list=document.querySelector('[data-inbox]');if(!list)return;var number=list.getAttribute('data-inbox');
function esc(t){var d=document.createElement('div');d.textContent=t;return d.innerHTML}
function refresh(){fetch('/api/v1/sparrow/dev/sms?number='+encodeURIComponent(number)).then(function(r){return r.ok?r.json():[]}).then(function(items){
var html=items.slice().reverse().map(function(m){return '<li class="'+m.status+'">'+esc(m.text)+'<small>'+esc(m.created_at.slice(11,19)+' · '+m.status+' · '+m.segments+' segment(s)')+'</small></li>'}).join('');
if(list.innerHTML!==html){list.innerHTML=html||'<li class="note">No messages yet.</li>';list.scrollTop=list.scrollHeight}}).catch(function(){})}
setInterval(refresh,2000)})();
`;
