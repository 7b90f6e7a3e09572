import type { webAccount } from './en.ts';

/** Português: páginas da conta, avisos depois de um formulário, e-mails da conta. */
export const webAccountPt: Record<keyof typeof webAccount, string> = {
  'web.notice.report_reopened': 'Denúncia reaberta.',
  'web.notice.report_assigned': 'Denúncia atribuída a si.',
  'web.notice.posted': 'Publicado.',
  'web.notice.liked': 'Gostou.',
  'web.notice.unliked': 'Gosto retirado.',
  'web.notice.boosted': 'Partilhado.',
  'web.notice.unboosted': 'Partilha anulada.',
  'web.notice.bookmarked': 'Guardado nos marcadores: encontra-o em Os seus marcadores.',
  'web.notice.unbookmarked': 'Marcador retirado.',
  'web.notice.not_allowed': 'Isso não é possível com esta publicação.',
  'web.notice.deleted': 'Publicação apagada.',
  'web.notice.edited': 'Publicação editada.',
  'web.notice.voted': 'Voto contado.',
  'web.notice.followed': 'A seguir.',
  'web.notice.unfollowed': 'Deixou de seguir.',
  'web.notice.requested':
    'Pedido para seguir enviado. Verá as publicações só para seguidores quando o pedido for aceite.',
  'web.notice.request_withdrawn': 'Pedido para seguir retirado.',
  'web.notice.request_accepted': 'Aceite: agora seguem-no.',
  'web.notice.request_rejected': 'Pedido recusado.',
  'web.notice.saved': 'Guardado.',
  'web.notice.time_zone_saved': 'Fuso horário guardado: as horas passam a ser mostradas nele.',
  'web.notice.code_sent': 'Se esse número puder receber as nossas SMS, vai a caminho um código. Introduza-o abaixo.',
  'web.notice.phone_linked': 'Número de telemóvel associado.',
  'web.notice.phone_removed': 'Número de telemóvel removido.',
  'web.notice.pin_set': 'PIN de publicação definido.',
  'web.notice.pin_cleared': 'PIN de publicação removido.',
  'web.notice.released': 'SMS retida libertada.',
  'web.notice.discarded': 'SMS retida descartada.',
  'web.notice.not_me':
    'Feito: as publicações por SMS desde a sua última confirmação foram removidas e a publicação por SMS está bloqueada.',
  'web.notice.confirmed': 'Obrigado: as suas publicações por SMS até agora estão confirmadas como suas.',
  'web.notice.unlocked': 'Publicação por SMS desbloqueada.',
  'web.notice.sent': 'Mensagem enviada.',
  'web.notice.policy_saved': 'Política do país guardada.',
  'web.notice.kill_on': 'Paragem de emergência LIGADA: nenhuma SMS de conteúdo é enviada nem tratada.',
  'web.notice.kill_off': 'Paragem de emergência DESLIGADA.',
  'web.notice.suspended': 'Conta suspensa: escondida em todo o lado e com a sessão terminada.',
  'web.notice.unsuspended': 'Suspensão levantada.',
  'web.notice.report_resolved': 'Denúncia resolvida.',
  'web.notice.sms_reset': 'Bloqueio de SMS e erros de PIN repostos.',
  'web.notice.approved': 'Conta aprovada; a pessoa foi avisada por e-mail.',
  'web.notice.rejected': 'Registo recusado; a pessoa foi avisada por e-mail.',
  'web.notice.welcome': 'Bem-vindo ao Sparrow!',
  'web.notice.password_reset':
    'A sua palavra-passe foi alterada e todas as sessões foram terminadas. Inicie sessão com a nova palavra-passe.',
  'web.notice.totp_on': 'Aplicação de autenticação ligada.',
  'web.notice.totp_off': 'Aplicação de autenticação desligada.',
  'web.notice.sms_2fa_on': 'Códigos por SMS ligados (o fator mais fraco).',
  'web.notice.sms_2fa_off': 'Códigos por SMS desligados.',
  'web.notice.strong_on': 'Passa a ser exigido um fator forte.',
  'web.notice.strong_off': 'Deixa de ser exigido um fator forte.',
  'web.notice.passkey_added': 'Chave de acesso adicionada.',
  'web.notice.passkey_removed': 'Chave de acesso removida.',
  'web.notice.password_changed': 'Palavra-passe alterada. Todas as outras sessões foram terminadas.',
  'web.notice.session_revoked': 'Essa sessão foi terminada.',
  'web.notice.others_signed_out': 'Todas as outras sessões foram terminadas.',
  'web.notice.list_created': 'Lista criada. Adicione abaixo pessoas que segue.',
  'web.notice.list_saved': 'Lista guardada.',
  'web.notice.list_deleted': 'Lista apagada.',
  'web.notice.member_added': 'Adicionado à lista.',
  'web.notice.member_removed': 'Removido da lista.',
  'web.notice.domain_blocked': 'Servidor bloqueado (registado).',
  'web.notice.domain_unblocked': 'Bloqueio levantado (registado).',
  'web.notice.deliveries_retried': 'As entregas em espera seguem agora (registado).',

  'web.settings.section.profile': 'Perfil',
  'web.settings.section.phone': 'Telemóvel',
  'web.settings.section.sms': 'Publicar por SMS e PIN',
  'web.settings.section.smsFollows': 'Notificações por SMS',
  'web.settings.section.holds': 'SMS retidas',
  'web.settings.section.events': 'Eventos de segurança',
  'web.settings.section.security': 'Início de sessão e 2FA',
  'web.settings.section.privacy': 'Privacidade',
  'web.settings.save': 'Guardar',
  'web.settings.pictures': 'Imagens do perfil',
  'web.settings.avatar': 'Avatar (recortado em quadrado, 400×400)',
  'web.settings.header': 'Cabeçalho (recortado em 1500×500)',
  'web.settings.upload': 'Carregar',
  'web.settings.removeAvatar': 'Remover avatar',
  'web.settings.removeHeader': 'Remover cabeçalho',
  'web.settings.fieldLabel': 'Rótulo {n}',
  'web.settings.fieldContent': 'Conteúdo {n}',
  'web.settings.displayName': 'Nome a mostrar',
  'web.settings.bio': 'Biografia',
  'web.settings.locked': 'Aprovar seguidores manualmente',
  'web.settings.lockedHelp':
    'As pessoas pedem então para o seguir e só veem as suas publicações para seguidores depois de aceitar. Desligar isto aceita todos os que ainda esperam.',
  'web.settings.fields': 'Campos do perfil',
  'web.settings.fieldsHelp':
    'Até quatro pares de rótulo e conteúdo mostrados no seu perfil (um sítio web, pronomes…). As ligações tornam-se ligações.',
  'web.settings.discoverable': 'Sugerir a minha conta a outros',
  'web.settings.discoverableHelp':
    'Pode então aparecer nas sugestões para seguir e no diretório de perfis. Desligado, nunca aparece.',
  'web.settings.bot': 'Esta é uma conta automatizada',
  'web.settings.followRequests':
    '{count, plural, =0 {Pedidos para seguir} one {Pedidos para seguir (# à espera)} other {Pedidos para seguir (# à espera)}}',
  'web.settings.yourProfile': 'O seu perfil: <a>@{username}</a>',
  'web.settings.timeZone': 'Fuso horário',
  'web.settings.timesShownIn':
    '{chosen, select, yes {As horas são mostradas em <b>{zone}</b>; cada hora numa página diz em que fuso está.} other {As horas são mostradas em <b>{zone}</b> (ainda sem fuso escolhido, por isso UTC); cada hora numa página diz em que fuso está.}}',
  'web.settings.timeZoneHelp':
    '{chosen, select, yes {Um nome IANA como Africa/Maputo, Europe/Lisbon ou America/Sao_Paulo; vazio para UTC.} other {Um nome IANA como Africa/Maputo, Europe/Lisbon ou America/Sao_Paulo; vazio para UTC. Quando a página pode perguntar ao seu navegador, o campo é preenchido com o fuso dele: guarde para o usar.}}',
  'web.settings.saveTimeZone': 'Guardar fuso horário',

  'web.phone.otherNumber': 'Usar outro número',
  'web.phone.sendNewCode': 'Enviar um novo código',
  'web.phone.sendCode': 'Enviar código',
  'web.phone.linked': 'Associado',
  'web.phone.linkedText':
    '<b>{number}</b> ({country}), verificado em {verified}. As SMS dele podem publicar, seguir e receber notificações conforme definido em <a>Publicar por SMS</a>.',
  'web.phone.removeLink': 'Remover este número…',
  'web.phone.none': 'Nenhum número associado',
  'web.phone.noneText': 'Associe um número de telemóvel para publicar e receber notificações por SMS.',
  'web.phone.codeSentTo': 'Código enviado para {number}',
  'web.phone.enterCode':
    '{replacing, select, yes {Introduza o código de 6 algarismos da SMS (válido até {until}) para associar este número em vez de {old}.} other {Introduza o código de 6 algarismos da SMS (válido até {until}).}}',
  'web.phone.noCodeWaiting':
    'Nenhum código à espera: esse número pode não conseguir receber as nossas SMS, ou foram pedidos demasiados códigos na última hora. Verifique o número ou tente mais tarde.',
  'web.phone.wrongNumber': 'Número errado, ou não chegou a SMS?',
  'web.phone.change': 'Mudar de número',
  'web.phone.link': 'Associar um número',
  'web.phone.help':
    'Enviamos por SMS um código de 6 algarismos para o número. É válido durante 10 minutos. Use o formato internacional, a começar por +.',
  'web.phone.removeTitle': 'Remover o seu número de telemóvel?',
  'web.phone.removeMeans': 'Remover <b>{number}</b> significa:',
  'web.phone.removeNoPosts': 'as SMS dele deixam de publicar, seguir ou chegar até si;',
  'web.phone.removeNoNotifications': 'deixa de receber notificações por SMS;',
  'web.phone.removeNoCodes': 'os códigos de início de sessão e de segundo fator por SMS param.',
  'web.phone.removeAgain': 'Pode voltar a associá-lo mais tarde com um novo código.',
  'web.phone.removeYes': 'Sim, remover este número',
  'web.phone.removeCancel': 'Cancelar, manter',

  'web.sms.textsFrom': 'As SMS de <b>{number}</b> só podem agir por si conforme definido aqui.',
  'web.sms.noPhone': 'Ainda não há telemóvel associado: <a>associe primeiro um número</a>.',
  'web.sms.lockedTitle': 'A publicação por SMS está bloqueada',
  'web.sms.lockedSince':
    '{reason, select, pin {Desde {since} (demasiados PIN errados). Desbloqueie com a sua palavra-passe.} sim_swap {Desde {since} (o seu cartão SIM mudou). Desbloqueie com a sua palavra-passe.} other {Desde {since} (indicou publicações que não eram suas). Desbloqueie com a sua palavra-passe.}}',
  'web.sms.unlock': 'Desbloquear a publicação por SMS',
  'web.sms.channels': 'Canais',
  'web.sms.posting': 'Deixar-me publicar por SMS',
  'web.sms.notifications': 'Enviar-me notificações por SMS',
  'web.sms.pin': 'PIN de publicação',
  'web.sms.pinState':
    '{set, select, yes {Há um PIN definido: comece com ele cada SMS que publicar.} other {Sem PIN. Com um PIN, uma SMS só publica se começar por ele.}}{staff, select, yes { Administradores e moderadores têm de manter um.} other {}}',
  'web.sms.newPin': 'Novo PIN (4 a 8 algarismos)',
  'web.sms.setPin': 'Definir PIN',
  'web.sms.removePin': 'Remover PIN',
  'web.sms.postsBySms': 'Publicações por SMS',
  'web.sms.notMeHelp':
    'Se uma publicação veio do seu número e não foi você, isto remove todas as publicações por SMS desde a sua última confirmação, descarta as SMS retidas e bloqueia a publicação por SMS.',
  'web.sms.notMe': 'Não fui eu',
  'web.sms.allMine': 'Foram todas minhas',
  'web.smsFollows.intro':
    '{on, select, yes {As notificações por SMS estão ligadas.} other {As notificações por SMS estão desligadas para todos (<a>mudar</a>).}} Escolha de quem as publicações lhe chegam por SMS. Enviar <code>FOLLOW @nome</code>, <code>ON @nome</code> ou <code>OFF @nome</code> faz o mesmo.',
  'web.smsFollows.now': 'Por SMS agora: {names}.',
  'web.smsFollows.none': 'Ainda não segue ninguém.',
  'web.smsFollows.bySms': 'por SMS',
  'web.smsFollows.notBySms': 'não por SMS',
  'web.smsFollows.stop': 'Parar SMS',
  'web.smsFollows.start': 'Enviar-me as publicações por SMS',
  'web.holds.intro': 'SMS do seu número que não foram tratadas. Liberte uma para a tratar agora, ou descarte-a.',
  'web.holds.none': 'Nenhuma SMS retida.',
  'web.holds.meta':
    'retida: {reason, select, sim_swap {mudança de SIM} sim_swap_unavailable {verificação da operadora indisponível} rate_limit {demasiadas SMS} other {{reason}}} · {status, select, pending {à espera} released {libertada} discarded {descartada} other {{status}}}',
  'web.holds.release': 'Libertar',
  'web.holds.discard': 'Descartar',
  'web.events.intro':
    'O que aconteceu à segurança da sua conta e através de SMS. Se uma publicação por SMS aqui não foi sua, use <notMe>Não fui eu</notMe>; se outra coisa não foi você, mude a palavra-passe e reveja <security>Início de sessão e 2FA</security>.',
  'web.events.none': 'Ainda nada.',
  'web.event.seePost': 'Ver a publicação',
  'web.event.text':
    '{kind, select, sms_post {Foi feita uma publicação por SMS a partir do seu número.} sim_swap_detected {A sua operadora indicou uma mudança recente de SIM: a publicação por SMS está congelada.} sim_swap_check_failed {Não conseguimos verificar o seu número junto da operadora; a SMS foi retida.} sms_posting_locked {A publicação por SMS foi bloqueada.} sms_message_held {Uma SMS do seu número foi retida para a rever.} sms_not_me {Indicou publicações por SMS que não eram suas; foram removidas e a publicação por SMS foi bloqueada.} sms_posting_unlocked {A publicação por SMS foi desbloqueada.} sign_in_code_withheld {{flood, select, yes {Alguém pediu um código de início de sessão por SMS; nenhum foi enviado porque foram pedidos demasiados códigos para o seu número. Inicie sessão com a palavra-passe, ou a partir de uma rede que já usou.} other {Alguém pediu um código de início de sessão por SMS; nenhum foi enviado porque a sua operadora indicou uma mudança recente de SIM.}}} reset_code_withheld {{flood, select, yes {Alguém pediu um código de reposição da palavra-passe por SMS; nenhum foi enviado porque foram pedidos demasiados códigos para o seu número. Reponha-a por e-mail.} other {Alguém pediu um código de reposição da palavra-passe por SMS; nenhum foi enviado porque a sua operadora indicou uma mudança recente de SIM.}}} sms_codes_locked {Foram introduzidos demasiados códigos SMS errados: os códigos por SMS estão bloqueados durante algum tempo. Iniciar sessão com a palavra-passe (e o outro fator) ou repô-la por e-mail levanta o bloqueio.} password_reset {A sua palavra-passe foi reposta e todas as sessões foram terminadas.} recovery_code_used {Foi usado um código de recuperação para iniciar sessão.} passkey_added {Foi adicionada uma chave de acesso.} session_revoked {Foi terminada uma sessão.} other {{change, select, authenticator_app_added {A proteção do seu início de sessão mudou: foi adicionada uma aplicação de autenticação.} authenticator_app_removed {A proteção do seu início de sessão mudou: a aplicação de autenticação foi removida.} recovery_codes_regenerated {A proteção do seu início de sessão mudou: foram criados novos códigos de recuperação.} sms_two_factor_on {A proteção do seu início de sessão mudou: os códigos por SMS foram ligados.} sms_two_factor_off {A proteção do seu início de sessão mudou: os códigos por SMS foram desligados.} strong_factor_required {A proteção do seu início de sessão mudou: passa a ser exigido um fator forte.} strong_factor_no_longer_required {A proteção do seu início de sessão mudou: deixa de ser exigido um fator forte.} password_changed {A proteção do seu início de sessão mudou: a palavra-passe foi alterada.} passkey_removed {A proteção do seu início de sessão mudou: foi removida uma chave de acesso.} reset_by_operator {A proteção do seu início de sessão mudou: um operador removeu todos os segundos fatores.} other {A proteção do seu início de sessão mudou.}}}}',

  'web.security.yourPassword': 'A sua palavra-passe',
  'web.security.yourRecoveryCodes': 'Os seus códigos de recuperação',
  'web.security.saveCodes':
    '<b>Guarde-os agora</b> (imprima-os ou guarde-os num gestor de palavras-passe): só são mostrados desta vez. Cada código inicia sessão uma vez se perder a aplicação de autenticação ou as chaves de acesso.',
  'web.security.onOff': '{on, select, yes {Ligado} other {Desligado}}',
  'web.security.setupTitle': 'Configurar a sua aplicação de autenticação',
  'web.security.setupHelp':
    'Na sua aplicação de autenticação, adicione uma conta e escreva esta chave (ou cole a ligação abaixo numa aplicação que a aceite):',
  'web.security.setupLink': 'Ligação: <code>{uri}</code>',
  'web.security.codeShown': 'Código mostrado pela aplicação',
  'web.security.totpTurnOn': 'Ligar a aplicação de autenticação',
  'web.security.totpTurnOff': 'Desligar a aplicação de autenticação',
  'web.security.totpState':
    '{on, select, yes {Aplicação de autenticação: <b>ligada</b>.} other {Aplicação de autenticação: <b>desligada</b>. Aplicações como Aegis, FreeOTP ou Google Authenticator mostram um novo código de 6 algarismos a cada 30 segundos.}}',
  'web.security.setupUnfinished': 'A configuração foi iniciada mas não terminada.',
  'web.security.finishSetup': 'Terminar a configuração',
  'web.security.setupButton': 'Configurar aplicação de autenticação',
  'web.security.smsState':
    '{on, select, yes {Códigos por SMS: <b>ligados</b>.} other {Códigos por SMS: <b>desligados</b>.}}',
  'web.security.weakest':
    'A SMS é o fator mais fraco: uma troca de SIM ou uma mensagem intercetada derrota-a. Prefira uma aplicação de autenticação ou uma chave de acesso.',
  'web.security.smsNeedsPhone':
    'Para usar códigos por SMS, <a>associe e verifique primeiro um número de telemóvel</a>.',
  'web.security.smsToggle': '{on, select, yes {Desligar os códigos por SMS} other {Ligar os códigos por SMS}}',
  'web.security.strongState':
    '{on, select, yes {Exigir um fator forte: <b>ligado</b>.} other {Exigir um fator forte: <b>desligado</b>.}} Ligado, um código por SMS nunca basta sozinho: iniciar sessão exige a aplicação de autenticação, uma chave de acesso ou um código de recuperação.',
  'web.security.strongToggle': '{on, select, yes {Deixar de exigir um fator forte} other {Exigir um fator forte}}',
  'web.security.noPasskeys': 'Ainda não há chaves de acesso.',
  'web.security.passkeyDates':
    '{used, select, yes {adicionada em {added}, usada pela última vez em {lastUsed}} other {adicionada em {added}, nunca usada}}',
  'web.security.remove': 'Remover',
  'web.security.addPasskey': 'Adicionar uma chave de acesso',
  'web.security.passkeyNeedsJs':
    'Adicionar uma chave de acesso precisa de JavaScript, que está desligado ou indisponível neste navegador.',
  'web.security.passkeyName': 'Nome para esta chave de acesso',
  'web.security.passkey': 'Chave de acesso',
  'web.security.sessionKind': '{kind, select, web {Navegador web} app {Aplicação: {app}} other {Token de operador}}',
  'web.security.thisBrowser': 'este navegador',
  'web.security.unknownAgent': 'navegador ou aplicação desconhecidos',
  'web.security.sessionDates':
    'IP {ip} · iniciada em {started} · {used, select, yes {usada pela última vez em {lastUsed}} other {nunca usada}}',
  'web.security.signOut': 'Terminar sessão',
  'web.security.status': 'Estado',
  'web.security.twoFactorState': 'Início de sessão em dois passos: <b>{state}</b>',
  'web.security.factorsLine':
    'Aplicação de autenticação: {totp} · Chaves de acesso: {passkeys, number} · Códigos por SMS: {sms} (o mais fraco)',
  'web.security.strongLine': 'Fator forte exigido: {strong} · Códigos de recuperação restantes: {left, number}',
  'web.security.everyChange': 'Cada alteração aqui volta a pedir a sua palavra-passe e é-lhe comunicada por e-mail.',
  'web.security.totp': 'Aplicação de autenticação',
  'web.security.passkeys': 'Chaves de acesso',
  'web.security.smsCodes': 'Códigos por SMS',
  'web.security.strong': 'Fator forte',
  'web.security.recoveryCodes': 'Códigos de recuperação',
  'web.security.recoveryLeft':
    '{count, plural, =0 {Não resta nenhum código de recuperação por usar.} one {Resta # código de recuperação por usar.} other {Restam # códigos de recuperação por usar.}} Criar novos anula os antigos.',
  'web.security.newRecoveryCodes': 'Criar novos códigos de recuperação',
  'web.security.changePassword': 'Alterar palavra-passe',
  'web.security.currentPassword': 'Palavra-passe atual',
  'web.security.othersSignedOut':
    'Todas as outras sessões são terminadas; este navegador continua com sessão iniciada.',
  'web.security.sessions': 'Sessões',
  'web.security.sessionsHelp':
    'Todos os sítios onde a sua conta tem sessão iniciada: navegadores, aplicações e tokens. Termine as que não reconhece.',
  'web.security.signOutOthers': 'Terminar sessão em todos os outros sítios',
  'web.security.alreadySignedOut': 'Essa sessão já tinha sido terminada.',

  'web.privacy.purpose':
    '{purpose, select, authentication {Início de sessão e segurança} sms_channel {Canal SMS} discovery {Deixar que me encontrem por ele} advertising {Publicidade} other {{purpose}}}',
  'web.privacy.purposeHelp':
    '{purpose, select, authentication {Sempre ligado enquanto o contacto estiver na sua conta: códigos de início de sessão, códigos de segundo fator, reposição da palavra-passe e alertas de segurança. Remova o telemóvel ou o e-mail para o parar.} sms_channel {Publicar e receber notificações por SMS através deste número.} discovery {Quem o tiver nos seus contactos pode encontrar a sua conta. Desligado por omissão.} other {Anunciantes que já o tenham podem mostrar-lhe as suas publicações promovidas (carregam-no cifrado por hash; audiências pequenas são recusadas). Desligado por omissão.}}',
  'web.privacy.use':
    '{kind, select, verification_code_sent {Código de verificação enviado} security_message_sent {Mensagem de segurança enviada} sms_sent {SMS enviada} discovery_match {Encontrado nos contactos de alguém} audience_match {Coincidiu com a audiência de um anunciante} promoted_post_shown {Publicação promovida mostrada} other {{kind}}}',
  'web.privacy.pointKind':
    '{kind, select, phone {telemóvel} other {e-mail}} · {verified, select, yes {verificado em {when}} other {não verificado}}',
  'web.privacy.onSince': 'ligado desde {since}',
  'web.privacy.off': 'desligado',
  'web.privacy.whatFor': 'Para que pode ser usado?',
  'web.privacy.always': '{purpose} (sempre)',
  'web.privacy.historyLink':
    '{count, plural, one {Histórico: consentimentos e # utilização registada} other {Histórico: consentimentos e # utilizações registadas}}',
  'web.privacy.intro':
    'Cada número de telemóvel e endereço de e-mail da sua conta, e para que pode ser usado. O uso para início de sessão e segurança vem com a sua adição; tudo o resto é escolha sua e pode ser desligado a qualquer momento.',
  'web.privacy.none': 'Ainda não há contactos. O seu e-mail aparece aqui, e um telemóvel assim que <a>associar um</a>.',
  'web.privacy.historyTitle': 'Os seus dados: um contacto',
  'web.privacy.back': 'Voltar às definições de privacidade',
  'web.privacy.purposesNow': 'Finalidades atuais',
  'web.privacy.consents': 'Decisões de consentimento',
  'web.privacy.noneRecorded': 'Nenhuma registada.',
  'web.privacy.consentsTable': 'Decisões de consentimento (desliza para o lado em ecrãs estreitos)',
  'web.privacy.when': 'Quando',
  'web.privacy.purposeColumn': 'Finalidade',
  'web.privacy.decision': 'Decisão',
  'web.privacy.by': 'Por',
  'web.privacy.action': '{action, select, grant {ligada} other {desligada}}',
  'web.privacy.source': '{source, select, owner {você} implied {adicionada por segurança} other {moderação}}',
  'web.privacy.uses': 'Utilizações',
  'web.privacy.noUses': 'Nenhuma utilização registada.',
  'web.privacy.usesTable': 'Utilizações (desliza para o lado em ecrãs estreitos)',
  'web.privacy.what': 'O quê',
  'web.privacy.detail': 'Detalhe',
  'web.privacy.allOff': 'Desligar todos os usos opcionais',

  'web.welcome.title': 'Bem-vindo',
  'web.welcome.tagline':
    'Publicações curtas para todos: na web, em qualquer aplicação Mastodon, ou por simples SMS a partir de qualquer telemóvel.',
  'web.welcome.join': '<signup>Crie uma conta</signup> ou <login>inicie sessão</login>.',
  'web.auth.wrongLogin': 'Esse nome de utilizador ou e-mail e a palavra-passe não correspondem.',
  'web.auth.tooMany': 'Demasiadas tentativas',
  'web.auth.tooManyHelp':
    'Isto protege as contas contra adivinhas. Espere alguns minutos e depois <a>comece de novo</a>.',
  'web.auth.passkeyNeedsJs':
    'Iniciar sessão com uma chave de acesso precisa de JavaScript, que está desligado ou indisponível neste navegador. Use outra opção abaixo.',
  'web.auth.usePasskey': 'Usar uma chave de acesso',
  'web.auth.codeFromApp': 'Código da sua aplicação de autenticação',
  'web.auth.codeFromText': 'Código da SMS',
  'web.auth.verify': 'Verificar',
  'web.auth.recoveryCode': 'Código de recuperação',
  'web.auth.recoveryOnce': 'Cada um dos seus códigos de recuperação guardados funciona uma vez.',
  'web.auth.useRecoveryCode': 'Usar código de recuperação',
  'web.auth.codeBySms': 'Código por SMS',
  'web.auth.smsWeakest':
    'A SMS é a opção mais fraca: uma troca de SIM ou uma mensagem intercetada derrota-a. Prefira uma aplicação de autenticação ou uma chave de acesso quando puder.',
  'web.auth.textMeCode': 'Enviar-me um código por SMS',
  'web.auth.continue': 'Continuar',
  'web.auth.confirmTitle': 'Confirme que é você',
  'web.auth.confirmHelp': 'A sua conta está protegida por um segundo passo. Escolha uma forma de confirmar que é você.',
  'web.auth.startAgain': 'Começar de novo',
  'web.auth.smsCodeSent':
    'Vai a caminho um código para o número de telemóvel associado à sua conta. Introduza-o abaixo.',
  'web.auth.smsTitle': 'Iniciar sessão por SMS',
  'web.auth.smsHeading': 'Iniciar sessão com um código por SMS',
  'web.auth.smsHelp':
    'Enviamos um código de 6 algarismos por SMS para o número de telemóvel associado à sua conta. A SMS é a forma mais fraca de iniciar sessão; se a sua conta tiver um segundo passo, também lhe será pedido.',
  'web.auth.mobileNumber': 'Número de telemóvel',
  'web.auth.passwordInstead': 'Iniciar sessão com a palavra-passe',
  'web.auth.enterCode': 'Introduza o seu código',
  'web.auth.smsCodeOnWay':
    'Se <b>{number}</b> estiver associado a uma conta, vai a caminho um código. É válido durante 10 minutos.',
  'web.auth.signIn': 'Iniciar sessão',
  'web.auth.devPhone': 'Desenvolvimento: veja a SMS no <a>simulador de telemóvel</a>.',
  'web.auth.devMail': 'Desenvolvimento: leia-o na <a>caixa de correio de desenvolvimento</a>.',
  'web.auth.withPassword': 'Iniciar sessão com a sua palavra-passe',
  'web.auth.sendMeCode': 'Enviar-me um código',
  'web.auth.newPassword': 'Nova palavra-passe',
  'web.signup.heading': 'Crie a sua conta',
  'web.signup.emailFirst': 'Primeiro, o seu endereço de e-mail: enviamos-lhe um código para confirmar que é seu.',
  'web.signup.approvalNote': 'Neste servidor, um moderador aprova as contas novas antes de poderem iniciar sessão.',
  'web.signup.email': 'E-mail',
  'web.signup.noScript':
    'Os scripts estão desligados neste navegador, por isso não pode correr a nossa verificação automática contra registos em massa. Pode registar-se na mesma: um moderador aprova então a sua conta antes de poder iniciar sessão.',
  'web.signup.haveAccount': 'Já tem conta? <a>Inicie sessão</a>.',
  'web.signup.closed': 'Os registos estão fechados',
  'web.signup.closedHelp': 'Este servidor não aceita contas novas de momento.',
  'web.signup.waitingTitle': 'À espera de aprovação',
  'web.signup.thanks': 'Obrigado, @{username}',
  'web.signup.waiting':
    'A sua conta espera que um moderador a aprove. Enviamos-lhe um e-mail quando decidirem; até lá não pode iniciar sessão.',
  'web.signup.checkMail': 'Veja o seu e-mail',
  'web.signup.sentTo':
    'Enviámos um e-mail para <b>{email}</b>. Introduza o código de 6 algarismos que ele contém (válido durante 10 minutos) e escolha o seu nome de utilizador e palavra-passe.',
  'web.signup.codeFromMail': 'Código do e-mail',
  'web.signup.username': 'Nome de utilizador',
  'web.signup.usernameHelp': 'Letras, algarismos e _; as pessoas vão encontrá-lo como @nome.',
  'web.signup.displayName': 'Nome a mostrar (opcional)',
  'web.signup.reason': 'Porque quer juntar-se? (opcional, para os moderadores)',
  'web.signup.approvalAfter':
    'Um moderador aprova a sua conta antes de poder iniciar sessão; enviamos-lhe um e-mail quando decidirem.',
  'web.signup.timeZoneNote':
    'As horas serão mostradas no fuso horário deste navegador (em UTC se a página não o conseguir saber); pode mudá-lo nas Definições.',
  'web.signup.create': 'Criar conta',
  'web.signup.noMail': 'Não chegou o e-mail? Verifique o endereço, ou <a>comece de novo</a>.',
  'web.reset.title': 'Repor a sua palavra-passe',
  'web.reset.help':
    'Indique o endereço de e-mail ou o número de telemóvel da sua conta. Se ela tiver um, enviamos-lhe um código.',
  'web.reset.target': 'E-mail ou número de telemóvel',
  'web.reset.backToLogin': 'Voltar ao início de sessão',
  'web.reset.choose': 'Escolha uma nova palavra-passe',
  'web.reset.sent': 'Se <b>{target}</b> pertencer a uma conta, enviámos-lhe um código, válido durante 10 minutos.',
  'web.reset.code': 'Código',
  'web.reset.signsOut': 'Todas as sessões iniciadas são terminadas quando a palavra-passe muda.',
  'web.reset.set': 'Definir nova palavra-passe',

  'mail.checkFailed.subject': 'Uma SMS foi retida',
  'mail.checkFailed.body':
    'Não conseguimos verificar o seu número junto da operadora, por isso uma SMS foi retida. Reveja-a em {settings}.',
  'mail.notMe.subject': 'Publicações por SMS removidas',
  'mail.notMe.body':
    'Indicou publicações por SMS que não eram suas. Foram removidas e a publicação por SMS está bloqueada.',
  'mail.unlocked.subject': 'Publicação por SMS desbloqueada',
  'mail.unlocked.body':
    'A publicação por SMS de @{username} foi desbloqueada. Se não foi você, altere a palavra-passe em {security}.',
  'mail.signInWithheld.subject': 'Código de início de sessão não enviado',
  'mail.signInWithheld.body':
    '{flood, select, yes {Alguém pediu um código de início de sessão por SMS, mas foram pedidos tantos códigos para o seu número que nenhum foi enviado. Se foi você, inicie sessão com a palavra-passe, ou peça de novo a partir de uma rede onde já iniciou sessão.} other {Alguém pediu um código de início de sessão por SMS, mas a sua operadora indica uma mudança recente de SIM, por isso nenhum código foi enviado. Se foi você, inicie sessão com a palavra-passe.}}',
  'mail.resetWithheld.subject': 'Código de reposição da palavra-passe não enviado',
  'mail.resetWithheld.body':
    '{flood, select, yes {Alguém pediu um código de reposição da palavra-passe por SMS, mas foram pedidos tantos códigos para o seu número que nenhum foi enviado. Use o e-mail para repor a palavra-passe.} other {Alguém pediu um código de reposição da palavra-passe por SMS, mas a sua operadora indica uma mudança recente de SIM, por isso nenhum código foi enviado. Use o e-mail para repor a palavra-passe.}}',
  'mail.codesLocked.subject': 'Códigos por SMS bloqueados',
  'mail.codesLocked.body':
    '{until, select, none {Foram introduzidos demasiados códigos errados para @{username} ou o seu número, por isso os códigos enviados por SMS (início de sessão, segundo fator, reposição da palavra-passe, verificação do telemóvel) estão bloqueados.} other {Foram introduzidos demasiados códigos errados para @{username} ou o seu número, por isso os códigos enviados por SMS (início de sessão, segundo fator, reposição da palavra-passe, verificação do telemóvel) estão bloqueados até {until}.}}\n\nSe não foi você, alguém pode estar a tentar entrar na sua conta: não precisa de fazer nada, e nenhum código funciona enquanto durar o bloqueio. Para o levantar já, inicie sessão com a palavra-passe (e o outro fator, se tiver) ou reponha a palavra-passe por e-mail em {reset}. Reveja {security}.',
  'mail.passwordReset.subject': 'A sua palavra-passe foi alterada',
  'mail.passwordReset.body':
    '{via, select, sms {A palavra-passe de @{username} foi reposta com um código enviado por SMS, e todas as sessões foram terminadas.} email {A palavra-passe de @{username} foi reposta com um código enviado por e-mail, e todas as sessões foram terminadas.} other {A palavra-passe de @{username} foi reposta, e todas as sessões foram terminadas.}}\n\nSe não foi você, reponha-a de novo já em {reset} e reveja {security}.',
  'mail.recoveryUsed.subject': 'Foi usado um código de recuperação',
  'mail.recoveryUsed.body':
    '{counted, select, yes {{remaining, plural, one {Foi usado um código de recuperação para iniciar sessão em @{username} (resta #).} other {Foi usado um código de recuperação para iniciar sessão em @{username} (restam #).}}} other {Foi usado um código de recuperação para iniciar sessão em @{username}.}} Se não foi você, reveja {security}.',
  'mail.twoFactor.subject': 'Definições de dois passos alteradas',
  'mail.twoFactor.body':
    '{change, select, authenticator_app_added {A proteção do início de sessão de @{username} mudou: foi adicionada uma aplicação de autenticação.} authenticator_app_removed {A proteção do início de sessão de @{username} mudou: a aplicação de autenticação foi removida.} recovery_codes_regenerated {A proteção do início de sessão de @{username} mudou: foram criados novos códigos de recuperação.} sms_two_factor_on {A proteção do início de sessão de @{username} mudou: os códigos por SMS foram ligados.} sms_two_factor_off {A proteção do início de sessão de @{username} mudou: os códigos por SMS foram desligados.} strong_factor_required {A proteção do início de sessão de @{username} mudou: passa a ser exigido um fator forte.} strong_factor_no_longer_required {A proteção do início de sessão de @{username} mudou: deixa de ser exigido um fator forte.} password_changed {A proteção do início de sessão de @{username} mudou: a palavra-passe foi alterada.} passkey_removed {A proteção do início de sessão de @{username} mudou: foi removida uma chave de acesso.} reset_by_operator {A proteção do início de sessão de @{username} mudou: um operador removeu todos os segundos fatores.} other {A proteção do início de sessão de @{username} mudou.}} Se não foi você, reveja {security}.',
  'mail.passkeyAdded.subject': 'Foi adicionada uma chave de acesso',
  'mail.passkeyAdded.body':
    'Foi adicionada uma chave de acesso a @{username}. Se não foi você, remova-a em {security}.',
  'mail.sessionRevoked.subject': 'Foi terminada uma sessão',
  'mail.sessionRevoked.body': 'Foi terminada uma sessão de @{username}.',
  'mail.general.subject': 'Aviso de segurança',
  'mail.general.body': 'Algo mudou em @{username}. Reveja {security}.',

  'mail.signupCode.subject': 'Código de registo {instance}: {code}',
  'mail.signupCode.body':
    'Bem-vindo ao {instance}.\n\nO seu código é {code}. Expira dentro de 10 minutos.\n\nSe não tentou registar-se, ignore este e-mail.',
  'mail.signupExists.subject': 'Já tem uma conta {instance}',
  'mail.signupExists.body':
    'Alguém tentou registar-se no {instance} com este endereço, que já tem uma conta.\n\nSe foi você, inicie sessão em {web}/login, ou reponha a palavra-passe em {web}/password_reset.\nSe não, pode ignorar este e-mail.',
  'mail.resetCode.subject': 'Código de reposição da palavra-passe {instance}: {code}',
  'mail.resetCode.body':
    'Alguém pediu para repor a palavra-passe da sua conta {instance}.\n\nO seu código é {code}. Expira dentro de 10 minutos.\n\nSe não foi você, ignore este e-mail: a sua palavra-passe fica como está.',
  'mail.approved.subject': 'Bem-vindo ao {instance}: a sua conta foi aprovada',
  'mail.approved.body': 'A sua conta {instance} @{username} foi aprovada. Inicie sessão em {web}/login.',
  'mail.rejected.subject': 'O seu registo no {instance} não foi aprovado',
  'mail.rejected.body': 'Os moderadores do {instance} não aprovaram a conta @{username}. Não será ativada.',
  'mail.waiting.subject': 'O seu registo no {instance} está à espera de aprovação',
  'mail.waiting.body':
    'Obrigado por se registar no {instance} como @{username}. Um moderador revê as contas novas antes de poderem iniciar sessão; enviamos-lhe um e-mail quando decidirem.',

  'sms.signInCode':
    '{code} é o seu código de início de sessão {instance}. Expira em 10 min. Nunca o partilhe: nunca o pedimos.',
  'sms.secondFactorCode':
    '{code} é o seu código de início de sessão {instance}. Alguém escreveu a sua palavra-passe: se não foi você, altere-a já.',
  'sms.resetCode':
    '{code} é o seu código de reposição da palavra-passe {instance}. Expira em 10 min. Se não o pediu, ignore esta mensagem.',
};
