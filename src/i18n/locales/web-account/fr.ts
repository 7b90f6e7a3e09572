import type { webAccount } from './en.ts';

/** Français : pages du compte, avis après un formulaire, e-mails du compte. */
export const webAccountFr: Record<keyof typeof webAccount, string> = {
  'web.notice.report_reopened': 'Signalement rouvert.',
  'web.notice.report_assigned': 'Signalement qui vous est attribué.',
  'web.notice.posted': 'Publié.',
  'web.notice.liked': 'Aimé.',
  'web.notice.unliked': 'Mention « J’aime » retirée.',
  'web.notice.boosted': 'Partagé.',
  'web.notice.unboosted': 'Partage annulé.',
  'web.notice.bookmarked': 'Ajouté aux signets : retrouvez-le sous Vos signets.',
  'web.notice.unbookmarked': 'Signet retiré.',
  'web.notice.not_allowed': 'Impossible avec ce post.',
  'web.notice.deleted': 'Post supprimé.',
  'web.notice.edited': 'Post modifié.',
  'web.notice.voted': 'Vote pris en compte.',
  'web.notice.followed': 'Abonnement fait.',
  'web.notice.unfollowed': 'Désabonnement fait.',
  'web.notice.requested':
    'Demande d’abonnement envoyée. Vous verrez ses posts réservés aux abonnés dès qu’elle sera acceptée.',
  'web.notice.request_withdrawn': 'Demande d’abonnement retirée.',
  'web.notice.request_accepted': 'Acceptée : cette personne vous suit désormais.',
  'web.notice.request_rejected': 'Demande refusée.',
  'web.notice.saved': 'Enregistré.',
  'web.notice.time_zone_saved': 'Fuseau horaire enregistré : les heures y sont désormais affichées.',
  'web.notice.code_sent': 'Si ce numéro peut recevoir nos SMS, un code est en route. Saisissez-le ci-dessous.',
  'web.notice.phone_linked': 'Numéro de téléphone associé.',
  'web.notice.phone_removed': 'Numéro de téléphone retiré.',
  'web.notice.pin_set': 'Code PIN de publication défini.',
  'web.notice.pin_cleared': 'Code PIN de publication retiré.',
  'web.notice.released': 'SMS retenu libéré.',
  'web.notice.discarded': 'SMS retenu supprimé.',
  'web.notice.not_me':
    'C’est fait : les posts par SMS depuis votre dernière confirmation ont été supprimés et la publication par SMS est verrouillée.',
  'web.notice.confirmed': 'Merci : vos posts par SMS jusqu’ici sont confirmés comme les vôtres.',
  'web.notice.unlocked': 'Publication par SMS déverrouillée.',
  'web.notice.sent': 'Message envoyé.',
  'web.notice.policy_saved': 'Règle du pays enregistrée.',
  'web.notice.kill_on': 'Arrêt d’urgence ACTIVÉ : aucun SMS de contenu n’est envoyé ni traité.',
  'web.notice.kill_off': 'Arrêt d’urgence DÉSACTIVÉ.',
  'web.notice.suspended': 'Compte suspendu : masqué partout et déconnecté.',
  'web.notice.unsuspended': 'Suspension levée.',
  'web.notice.report_resolved': 'Signalement traité.',
  'web.notice.sms_reset': 'Verrou SMS et erreurs de PIN remis à zéro.',
  'web.notice.approved': 'Compte approuvé ; la personne a été prévenue par e-mail.',
  'web.notice.rejected': 'Inscription refusée ; la personne a été prévenue par e-mail.',
  'web.notice.welcome': 'Bienvenue sur Sparrow !',
  'web.notice.password_reset':
    'Votre mot de passe a été changé et toutes les sessions fermées. Connectez-vous avec le nouveau mot de passe.',
  'web.notice.totp_on': 'Application d’authentification activée.',
  'web.notice.totp_off': 'Application d’authentification désactivée.',
  'web.notice.sms_2fa_on': 'Codes par SMS activés (le facteur le plus faible).',
  'web.notice.sms_2fa_off': 'Codes par SMS désactivés.',
  'web.notice.strong_on': 'Un facteur fort est désormais exigé.',
  'web.notice.strong_off': 'Un facteur fort n’est plus exigé.',
  'web.notice.passkey_added': 'Clé d’accès ajoutée.',
  'web.notice.passkey_removed': 'Clé d’accès retirée.',
  'web.notice.password_changed': 'Mot de passe changé. Toutes les autres sessions ont été fermées.',
  'web.notice.session_revoked': 'Cette session a été fermée.',
  'web.notice.others_signed_out': 'Toutes les autres sessions ont été fermées.',
  'web.notice.list_created': 'Liste créée. Ajoutez-y ci-dessous des personnes que vous suivez.',
  'web.notice.list_saved': 'Liste enregistrée.',
  'web.notice.list_deleted': 'Liste supprimée.',
  'web.notice.member_added': 'Ajouté à la liste.',
  'web.notice.member_removed': 'Retiré de la liste.',
  'web.notice.domain_blocked': 'Serveur bloqué (journalisé).',
  'web.notice.domain_unblocked': 'Blocage levé (journalisé).',
  'web.notice.deliveries_retried': 'Les envois en attente partent maintenant (journalisé).',

  'web.settings.section.profile': 'Profil',
  'web.settings.section.phone': 'Téléphone',
  'web.settings.section.sms': 'Publication par SMS et PIN',
  'web.settings.section.smsFollows': 'Notifications par SMS',
  'web.settings.section.holds': 'SMS retenus',
  'web.settings.section.events': 'Événements de sécurité',
  'web.settings.section.security': 'Connexion et 2FA',
  'web.settings.section.privacy': 'Confidentialité',
  'web.settings.save': 'Enregistrer',
  'web.settings.pictures': 'Images du profil',
  'web.settings.avatar': 'Avatar (recadré en carré, 400×400)',
  'web.settings.header': 'Bannière (recadrée en 1500×500)',
  'web.settings.upload': 'Envoyer',
  'web.settings.removeAvatar': 'Retirer l’avatar',
  'web.settings.removeHeader': 'Retirer la bannière',
  'web.settings.fieldLabel': 'Intitulé {n}',
  'web.settings.fieldContent': 'Contenu {n}',
  'web.settings.displayName': 'Nom affiché',
  'web.settings.bio': 'Bio',
  'web.settings.locked': 'Approuver les abonnés un par un',
  'web.settings.lockedHelp':
    'Les gens demandent alors à vous suivre et ne voient vos posts réservés aux abonnés qu’après votre accord. Désactiver cette option accepte toutes les demandes en attente.',
  'web.settings.fields': 'Champs du profil',
  'web.settings.fieldsHelp':
    'Jusqu’à quatre paires intitulé-contenu affichées sur votre profil (un site web, vos pronoms…). Les liens deviennent cliquables.',
  'web.settings.discoverable': 'Suggérer mon compte aux autres',
  'web.settings.discoverableHelp':
    'Vous pouvez alors apparaître dans les suggestions d’abonnement et l’annuaire des profils. Option désactivée, jamais.',
  'web.settings.bot': 'C’est un compte automatisé',
  'web.settings.followRequests':
    '{count, plural, =0 {Demandes d’abonnement} one {Demandes d’abonnement (# en attente)} other {Demandes d’abonnement (# en attente)}}',
  'web.settings.yourProfile': 'Votre profil : <a>@{username}</a>',
  'web.settings.timeZone': 'Fuseau horaire',
  'web.settings.timesShownIn':
    '{chosen, select, yes {Les heures sont affichées en <b>{zone}</b> ; chaque heure d’une page indique son fuseau.} other {Les heures sont affichées en <b>{zone}</b> (aucun fuseau choisi, donc UTC) ; chaque heure d’une page indique son fuseau.}}',
  'web.settings.timeZoneHelp':
    '{chosen, select, yes {Un nom IANA comme Africa/Nairobi, Europe/Paris ou America/New_York ; vide pour UTC.} other {Un nom IANA comme Africa/Nairobi, Europe/Paris ou America/New_York ; vide pour UTC. Quand la page peut interroger votre navigateur, le champ est rempli avec son fuseau : enregistrez pour l’utiliser.}}',
  'web.settings.saveTimeZone': 'Enregistrer le fuseau',

  'web.phone.otherNumber': 'Utiliser un autre numéro',
  'web.phone.sendNewCode': 'Envoyer un nouveau code',
  'web.phone.sendCode': 'Envoyer le code',
  'web.phone.linked': 'Associé',
  'web.phone.linkedText':
    '<b>{number}</b> ({country}), vérifié le {verified}. Ses SMS peuvent publier, suivre et recevoir des notifications selon les réglages de <a>Publication par SMS</a>.',
  'web.phone.removeLink': 'Retirer ce numéro…',
  'web.phone.none': 'Aucun numéro associé',
  'web.phone.noneText': 'Associez un numéro de mobile pour publier et recevoir des notifications par SMS.',
  'web.phone.codeSentTo': 'Code envoyé au {number}',
  'web.phone.enterCode':
    '{replacing, select, yes {Saisissez le code à 6 chiffres reçu par SMS (valable jusqu’à {until}) pour associer ce numéro à la place du {old}.} other {Saisissez le code à 6 chiffres reçu par SMS (valable jusqu’à {until}).}}',
  'web.phone.noCodeWaiting':
    'Aucun code en attente : ce numéro ne peut peut-être pas recevoir nos SMS, ou trop de codes ont été demandés dans l’heure. Vérifiez le numéro ou réessayez plus tard.',
  'web.phone.wrongNumber': 'Mauvais numéro, ou pas de SMS ?',
  'web.phone.change': 'Changer de numéro',
  'web.phone.link': 'Associer un numéro',
  'web.phone.help':
    'Nous envoyons par SMS un code à 6 chiffres au numéro. Il est valable 10 minutes. Utilisez le format international, commençant par +.',
  'web.phone.removeTitle': 'Retirer votre numéro de téléphone ?',
  'web.phone.removeMeans': 'Retirer <b>{number}</b> signifie :',
  'web.phone.removeNoPosts': 'ses SMS ne publient plus, ne suivent plus et ne vous parviennent plus ;',
  'web.phone.removeNoNotifications': 'vous ne recevez plus de notifications par SMS ;',
  'web.phone.removeNoCodes': 'les codes de connexion et de second facteur par SMS s’arrêtent.',
  'web.phone.removeAgain': 'Vous pourrez l’associer de nouveau plus tard avec un nouveau code.',
  'web.phone.removeYes': 'Oui, retirer ce numéro',
  'web.phone.removeCancel': 'Annuler, le garder',

  'web.sms.textsFrom': 'Les SMS du <b>{number}</b> n’agissent pour vous que selon ces réglages.',
  'web.sms.noPhone': 'Aucun téléphone associé : <a>associez d’abord un numéro</a>.',
  'web.sms.lockedTitle': 'La publication par SMS est verrouillée',
  'web.sms.lockedSince':
    '{reason, select, pin {Depuis le {since} (trop de PIN erronés). Déverrouillez avec votre mot de passe.} sim_swap {Depuis le {since} (votre carte SIM a changé). Déverrouillez avec votre mot de passe.} other {Depuis le {since} (vous avez signalé des posts qui ne sont pas de vous). Déverrouillez avec votre mot de passe.}}',
  'web.sms.unlock': 'Déverrouiller la publication par SMS',
  'web.sms.channels': 'Canaux',
  'web.sms.posting': 'Me laisser publier par SMS',
  'web.sms.notifications': 'M’envoyer les notifications par SMS',
  'web.sms.pin': 'PIN de publication',
  'web.sms.pinState':
    '{set, select, yes {Un PIN est défini : commencez chaque SMS à publier par ce PIN.} other {Aucun PIN défini. Avec un PIN, un SMS ne publie que s’il commence par celui-ci.}}{staff, select, yes { Les administrateurs et modérateurs doivent en garder un.} other {}}',
  'web.sms.newPin': 'Nouveau PIN (4 à 8 chiffres)',
  'web.sms.setPin': 'Définir le PIN',
  'web.sms.removePin': 'Retirer le PIN',
  'web.sms.postsBySms': 'Posts par SMS',
  'web.sms.notMeHelp':
    'Si un post est venu de votre numéro et que ce n’était pas vous, ceci supprime tous les posts par SMS depuis votre dernière confirmation, jette les SMS retenus et verrouille la publication par SMS.',
  'web.sms.notMe': 'Ce n’était pas moi',
  'web.sms.allMine': 'Ils étaient tous de moi',
  'web.smsFollows.intro':
    '{on, select, yes {Les notifications par SMS sont activées.} other {Les notifications par SMS sont désactivées pour tout le monde (<a>modifier</a>).}} Choisissez de qui les posts vous parviennent par SMS. Envoyer <code>FOLLOW @nom</code>, <code>ON @nom</code> ou <code>OFF @nom</code> fait de même.',
  'web.smsFollows.now': 'Par SMS en ce moment : {names}.',
  'web.smsFollows.none': 'Vous ne suivez encore personne.',
  'web.smsFollows.bySms': 'par SMS',
  'web.smsFollows.notBySms': 'pas par SMS',
  'web.smsFollows.stop': 'Arrêter les SMS',
  'web.smsFollows.start': 'M’envoyer ses posts par SMS',
  'web.holds.intro':
    'Les SMS de votre numéro qui n’ont pas été traités. Libérez-en un pour le traiter maintenant, ou supprimez-le.',
  'web.holds.none': 'Aucun SMS retenu.',
  'web.holds.meta':
    'retenu : {reason, select, sim_swap {changement de SIM} sim_swap_unavailable {vérification de l’opérateur indisponible} rate_limit {trop de SMS} other {{reason}}} · {status, select, pending {en attente} released {libéré} discarded {supprimé} other {{status}}}',
  'web.holds.release': 'Libérer',
  'web.holds.discard': 'Supprimer',
  'web.events.intro':
    'Ce qui est arrivé à la sécurité de votre compte et par SMS. Si un post par SMS listé ici n’était pas de vous, utilisez <notMe>Ce n’était pas moi</notMe> ; si autre chose n’était pas vous, changez votre mot de passe et vérifiez <security>Connexion et 2FA</security>.',
  'web.events.none': 'Rien pour l’instant.',
  'web.event.seePost': 'Voir le post',
  'web.event.text':
    '{kind, select, sms_post {Un post a été publié par SMS depuis votre numéro.} sim_swap_detected {Votre opérateur a signalé un changement récent de carte SIM : la publication par SMS est gelée.} sim_swap_check_failed {Nous n’avons pas pu vérifier votre numéro auprès de votre opérateur ; le SMS a été retenu.} sms_posting_locked {La publication par SMS a été verrouillée.} sms_message_held {Un SMS de votre numéro a été retenu pour que vous le vérifiiez.} sms_not_me {Vous avez signalé des posts par SMS qui ne sont pas de vous ; ils ont été supprimés et la publication par SMS verrouillée.} sms_posting_unlocked {La publication par SMS a été déverrouillée.} sign_in_code_withheld {{flood, select, yes {Quelqu’un a demandé un code de connexion par SMS ; aucun n’a été envoyé car trop de codes ont été demandés pour votre numéro. Connectez-vous avec votre mot de passe, ou depuis un réseau déjà utilisé.} other {Quelqu’un a demandé un code de connexion par SMS ; aucun n’a été envoyé car votre opérateur a signalé un changement récent de SIM.}}} reset_code_withheld {{flood, select, yes {Quelqu’un a demandé un code de réinitialisation du mot de passe par SMS ; aucun n’a été envoyé car trop de codes ont été demandés pour votre numéro. Réinitialisez-le par e-mail.} other {Quelqu’un a demandé un code de réinitialisation du mot de passe par SMS ; aucun n’a été envoyé car votre opérateur a signalé un changement récent de SIM.}}} sms_codes_locked {Trop de codes SMS erronés ont été saisis : les codes par SMS sont verrouillés pour un moment. Se connecter avec votre mot de passe (et votre autre facteur) ou le réinitialiser par e-mail lève le verrou.} password_reset {Votre mot de passe a été réinitialisé et toutes les sessions fermées.} recovery_code_used {Un code de récupération a servi à se connecter.} passkey_added {Une clé d’accès a été ajoutée.} session_revoked {Une session a été fermée.} other {{change, select, authenticator_app_added {La protection de votre connexion a changé : une application d’authentification a été ajoutée.} authenticator_app_removed {La protection de votre connexion a changé : l’application d’authentification a été retirée.} recovery_codes_regenerated {La protection de votre connexion a changé : de nouveaux codes de récupération ont été créés.} sms_two_factor_on {La protection de votre connexion a changé : les codes par SMS ont été activés.} sms_two_factor_off {La protection de votre connexion a changé : les codes par SMS ont été désactivés.} strong_factor_required {La protection de votre connexion a changé : un facteur fort est désormais exigé.} strong_factor_no_longer_required {La protection de votre connexion a changé : un facteur fort n’est plus exigé.} password_changed {La protection de votre connexion a changé : le mot de passe a été changé.} passkey_removed {La protection de votre connexion a changé : une clé d’accès a été retirée.} reset_by_operator {La protection de votre connexion a changé : un opérateur a retiré tous les seconds facteurs.} other {La protection de votre connexion a changé.}}}}',

  'web.security.yourPassword': 'Votre mot de passe',
  'web.security.yourRecoveryCodes': 'Vos codes de récupération',
  'web.security.saveCodes':
    '<b>Enregistrez-les maintenant</b> (imprimez-les ou gardez-les dans un gestionnaire de mots de passe) : ils ne sont montrés qu’une fois. Chaque code vous connecte une fois si vous perdez votre application d’authentification ou vos clés d’accès.',
  'web.security.onOff': '{on, select, yes {Activé} other {Désactivé}}',
  'web.security.setupTitle': 'Configurer votre application d’authentification',
  'web.security.setupHelp':
    'Dans votre application d’authentification, ajoutez un compte et saisissez cette clé (ou collez le lien ci-dessous dans une application qui l’accepte) :',
  'web.security.setupLink': 'Lien : <code>{uri}</code>',
  'web.security.codeShown': 'Code affiché par l’application',
  'web.security.totpTurnOn': 'Activer l’application d’authentification',
  'web.security.totpTurnOff': 'Désactiver l’application d’authentification',
  'web.security.totpState':
    '{on, select, yes {Application d’authentification : <b>activée</b>.} other {Application d’authentification : <b>désactivée</b>. Des applications comme Aegis, FreeOTP ou Google Authenticator affichent un nouveau code à 6 chiffres toutes les 30 secondes.}}',
  'web.security.setupUnfinished': 'La configuration a commencé mais n’est pas terminée.',
  'web.security.finishSetup': 'Terminer la configuration',
  'web.security.setupButton': 'Configurer une application d’authentification',
  'web.security.smsState':
    '{on, select, yes {Codes par SMS : <b>activés</b>.} other {Codes par SMS : <b>désactivés</b>.}}',
  'web.security.weakest':
    'Le SMS est le facteur le plus faible : un échange de SIM ou un message intercepté suffit à le contourner. Préférez une application d’authentification ou une clé d’accès.',
  'web.security.smsNeedsPhone': 'Pour utiliser les codes par SMS, <a>associez et vérifiez d’abord un numéro</a>.',
  'web.security.smsToggle': '{on, select, yes {Désactiver les codes par SMS} other {Activer les codes par SMS}}',
  'web.security.strongState':
    '{on, select, yes {Exiger un facteur fort : <b>activé</b>.} other {Exiger un facteur fort : <b>désactivé</b>.}} Activé, un code par SMS ne suffit jamais seul : la connexion demande votre application d’authentification, une clé d’accès ou un code de récupération.',
  'web.security.strongToggle': '{on, select, yes {Ne plus exiger de facteur fort} other {Exiger un facteur fort}}',
  'web.security.noPasskeys': 'Aucune clé d’accès pour l’instant.',
  'web.security.passkeyDates':
    '{used, select, yes {ajoutée le {added}, dernière utilisation le {lastUsed}} other {ajoutée le {added}, jamais utilisée}}',
  'web.security.remove': 'Retirer',
  'web.security.addPasskey': 'Ajouter une clé d’accès',
  'web.security.passkeyNeedsJs':
    'Ajouter une clé d’accès demande JavaScript, désactivé ou indisponible dans ce navigateur.',
  'web.security.passkeyName': 'Nom de cette clé d’accès',
  'web.security.passkey': 'Clé d’accès',
  'web.security.sessionKind':
    '{kind, select, web {Navigateur web} app {Application : {app}} other {Jeton d’opérateur}}',
  'web.security.thisBrowser': 'ce navigateur',
  'web.security.unknownAgent': 'navigateur ou application inconnus',
  'web.security.sessionDates':
    'IP {ip} · ouverte le {started} · {used, select, yes {dernière utilisation le {lastUsed}} other {jamais utilisée}}',
  'web.security.signOut': 'Déconnecter',
  'web.security.status': 'État',
  'web.security.twoFactorState': 'Connexion à deux facteurs : <b>{state}</b>',
  'web.security.factorsLine':
    'Application d’authentification : {totp} · Clés d’accès : {passkeys, number} · Codes par SMS : {sms} (le plus faible)',
  'web.security.strongLine': 'Facteur fort exigé : {strong} · Codes de récupération restants : {left, number}',
  'web.security.everyChange': 'Chaque changement ici redemande votre mot de passe et vous est signalé par e-mail.',
  'web.security.totp': 'Application d’authentification',
  'web.security.passkeys': 'Clés d’accès',
  'web.security.smsCodes': 'Codes par SMS',
  'web.security.strong': 'Facteur fort',
  'web.security.recoveryCodes': 'Codes de récupération',
  'web.security.recoveryLeft':
    '{count, plural, =0 {Plus aucun code de récupération inutilisé.} one {# code de récupération inutilisé.} other {# codes de récupération inutilisés.}} En créer de nouveaux annule les anciens.',
  'web.security.newRecoveryCodes': 'Créer de nouveaux codes de récupération',
  'web.security.changePassword': 'Changer le mot de passe',
  'web.security.currentPassword': 'Mot de passe actuel',
  'web.security.othersSignedOut': 'Toutes les autres sessions sont fermées ; ce navigateur reste connecté.',
  'web.security.sessions': 'Sessions',
  'web.security.sessionsHelp':
    'Partout où votre compte est connecté : navigateurs, applications et jetons. Déconnectez ce que vous ne reconnaissez pas.',
  'web.security.signOutOthers': 'Déconnecter partout ailleurs',
  'web.security.alreadySignedOut': 'Cette session était déjà fermée.',

  'web.privacy.purpose':
    '{purpose, select, authentication {Connexion et sécurité} sms_channel {Canal SMS} discovery {Permettre de me trouver grâce à lui} advertising {Publicité} other {{purpose}}}',
  'web.privacy.purposeHelp':
    '{purpose, select, authentication {Toujours actif tant que le contact est sur votre compte : codes de connexion, codes de second facteur, réinitialisation du mot de passe et alertes de sécurité. Retirez le téléphone ou l’e-mail pour l’arrêter.} sms_channel {Publier et recevoir des notifications par SMS avec ce numéro.} discovery {Les personnes qui l’ont dans leurs contacts peuvent trouver votre compte. Désactivé par défaut.} other {Les annonceurs qui l’ont déjà peuvent vous montrer leurs posts sponsorisés (ils l’envoient haché ; les petites audiences sont refusées). Désactivé par défaut.}}',
  'web.privacy.use':
    '{kind, select, verification_code_sent {Code de vérification envoyé} security_message_sent {Message de sécurité envoyé} sms_sent {SMS envoyé} discovery_match {Trouvé dans les contacts de quelqu’un} audience_match {Trouvé dans l’audience d’un annonceur} promoted_post_shown {Post sponsorisé affiché} other {{kind}}}',
  'web.privacy.pointKind':
    '{kind, select, phone {téléphone} other {e-mail}} · {verified, select, yes {vérifié le {when}} other {non vérifié}}',
  'web.privacy.onSince': 'activé depuis le {since}',
  'web.privacy.off': 'désactivé',
  'web.privacy.whatFor': 'À quoi peut-il servir ?',
  'web.privacy.always': '{purpose} (toujours)',
  'web.privacy.historyLink':
    '{count, plural, one {Historique : consentements et # utilisation enregistrée} other {Historique : consentements et # utilisations enregistrées}}',
  'web.privacy.intro':
    'Chaque numéro de téléphone et adresse e-mail de votre compte, et ce à quoi il peut servir. La connexion et la sécurité viennent avec l’ajout ; tout le reste est votre choix et peut être désactivé à tout moment.',
  'web.privacy.none':
    'Aucun contact pour l’instant. Votre e-mail apparaît ici, et un téléphone dès que vous en <a>associez un</a>.',
  'web.privacy.historyTitle': 'Vos données : un contact',
  'web.privacy.back': 'Retour aux réglages de confidentialité',
  'web.privacy.purposesNow': 'Usages actuels',
  'web.privacy.consents': 'Décisions de consentement',
  'web.privacy.noneRecorded': 'Aucune enregistrée.',
  'web.privacy.consentsTable': 'Décisions de consentement (défile sur le côté sur les petits écrans)',
  'web.privacy.when': 'Quand',
  'web.privacy.purposeColumn': 'Usage',
  'web.privacy.decision': 'Décision',
  'web.privacy.by': 'Par',
  'web.privacy.action': '{action, select, grant {activé} other {désactivé}}',
  'web.privacy.source': '{source, select, owner {vous} implied {ajouté pour la sécurité} other {modération}}',
  'web.privacy.uses': 'Utilisations',
  'web.privacy.noUses': 'Aucune utilisation enregistrée.',
  'web.privacy.usesTable': 'Utilisations (défile sur le côté sur les petits écrans)',
  'web.privacy.what': 'Quoi',
  'web.privacy.detail': 'Détail',
  'web.privacy.allOff': 'Désactiver tous les usages facultatifs',

  'web.welcome.title': 'Bienvenue',
  'web.welcome.tagline':
    'Des posts courts pour tout le monde : sur le web, dans n’importe quelle application Mastodon, ou par simple SMS depuis n’importe quel téléphone.',
  'web.welcome.join': '<signup>Créez un compte</signup> ou <login>connectez-vous</login>.',
  'web.auth.wrongLogin': 'Ce nom d’utilisateur ou cet e-mail ne correspond pas au mot de passe.',
  'web.auth.tooMany': 'Trop de tentatives',
  'web.auth.tooManyHelp':
    'Cela protège les comptes contre les essais au hasard. Attendez quelques minutes, puis <a>recommencez</a>.',
  'web.auth.passkeyNeedsJs':
    'Se connecter avec une clé d’accès demande JavaScript, désactivé ou indisponible dans ce navigateur. Choisissez une autre option ci-dessous.',
  'web.auth.usePasskey': 'Utiliser une clé d’accès',
  'web.auth.codeFromApp': 'Code de votre application d’authentification',
  'web.auth.codeFromText': 'Code reçu par SMS',
  'web.auth.verify': 'Vérifier',
  'web.auth.recoveryCode': 'Code de récupération',
  'web.auth.recoveryOnce': 'Chacun de vos codes de récupération ne sert qu’une fois.',
  'web.auth.useRecoveryCode': 'Utiliser le code de récupération',
  'web.auth.codeBySms': 'Code par SMS',
  'web.auth.smsWeakest':
    'Le SMS est l’option la plus faible : un échange de SIM ou un message intercepté suffit à la contourner. Préférez une application d’authentification ou une clé d’accès quand vous le pouvez.',
  'web.auth.textMeCode': 'M’envoyer un code par SMS',
  'web.auth.continue': 'Continuer',
  'web.auth.confirmTitle': 'Confirmez que c’est vous',
  'web.auth.confirmHelp':
    'Votre compte est protégé par une seconde étape. Choisissez un moyen de confirmer que c’est vous.',
  'web.auth.startAgain': 'Recommencer',
  'web.auth.smsCodeSent': 'Un code est en route vers le numéro associé à votre compte. Saisissez-le ci-dessous.',
  'web.auth.smsTitle': 'Connexion par SMS',
  'web.auth.smsHeading': 'Se connecter avec un code par SMS',
  'web.auth.smsHelp':
    'Nous envoyons un code à 6 chiffres au numéro de mobile associé à votre compte. Le SMS est le moyen de connexion le plus faible ; si votre compte a une seconde étape, elle vous sera aussi demandée.',
  'web.auth.mobileNumber': 'Numéro de mobile',
  'web.auth.passwordInstead': 'Se connecter plutôt avec le mot de passe',
  'web.auth.enterCode': 'Saisissez votre code',
  'web.auth.smsCodeOnWay':
    'Si <b>{number}</b> est associé à un compte, un code est en route. Il est valable 10 minutes.',
  'web.auth.signIn': 'Se connecter',
  'web.auth.devPhone': 'Développement : voyez le SMS dans le <a>simulateur de téléphone</a>.',
  'web.auth.devMail': 'Développement : lisez-le dans la <a>boîte aux lettres de développement</a>.',
  'web.auth.withPassword': 'Se connecter avec le mot de passe',
  'web.auth.sendMeCode': 'M’envoyer un code',
  'web.auth.newPassword': 'Nouveau mot de passe',
  'web.signup.heading': 'Créez votre compte',
  'web.signup.emailFirst':
    'D’abord votre adresse e-mail : nous vous envoyons un code pour vérifier qu’elle est à vous.',
  'web.signup.approvalNote':
    'Sur ce serveur, un modérateur approuve les nouveaux comptes avant qu’ils puissent se connecter.',
  'web.signup.email': 'E-mail',
  'web.signup.noScript':
    'Les scripts sont désactivés dans ce navigateur : il ne peut pas exécuter notre vérification automatique contre les inscriptions en masse. Vous pouvez quand même vous inscrire : un modérateur approuvera alors votre compte avant que vous puissiez vous connecter.',
  'web.signup.haveAccount': 'Vous avez déjà un compte ? <a>Connectez-vous</a>.',
  'web.signup.closed': 'Les inscriptions sont fermées',
  'web.signup.closedHelp': 'Ce serveur n’accepte pas de nouveaux comptes pour le moment.',
  'web.signup.waitingTitle': 'En attente d’approbation',
  'web.signup.thanks': 'Merci, @{username}',
  'web.signup.waiting':
    'Votre compte attend l’approbation d’un modérateur. Nous vous écrirons quand la décision sera prise ; d’ici là, vous ne pouvez pas vous connecter.',
  'web.signup.checkMail': 'Consultez vos e-mails',
  'web.signup.sentTo':
    'Nous avons envoyé un e-mail à <b>{email}</b>. Saisissez le code à 6 chiffres qu’il contient (valable 10 minutes) et choisissez votre nom d’utilisateur et votre mot de passe.',
  'web.signup.codeFromMail': 'Code reçu par e-mail',
  'web.signup.username': 'Nom d’utilisateur',
  'web.signup.usernameHelp': 'Lettres, chiffres et _ ; on vous trouvera sous @nom.',
  'web.signup.displayName': 'Nom affiché (facultatif)',
  'web.signup.reason': 'Pourquoi voulez-vous nous rejoindre ? (facultatif, pour les modérateurs)',
  'web.signup.approvalAfter':
    'Un modérateur approuve votre compte avant que vous puissiez vous connecter ; nous vous écrivons quand la décision est prise.',
  'web.signup.timeZoneNote':
    'Les heures seront affichées dans le fuseau de ce navigateur (en UTC si la page ne peut pas le connaître) ; vous pourrez le changer dans les Réglages.',
  'web.signup.create': 'Créer le compte',
  'web.signup.noMail': 'Pas d’e-mail ? Vérifiez l’adresse, ou <a>recommencez</a>.',
  'web.reset.title': 'Réinitialiser votre mot de passe',
  'web.reset.help':
    'Indiquez l’adresse e-mail ou le numéro de mobile de votre compte. S’il en a un, nous lui envoyons un code.',
  'web.reset.target': 'E-mail ou numéro de mobile',
  'web.reset.backToLogin': 'Retour à la connexion',
  'web.reset.choose': 'Choisissez un nouveau mot de passe',
  'web.reset.sent': 'Si <b>{target}</b> appartient à un compte, nous lui avons envoyé un code, valable 10 minutes.',
  'web.reset.code': 'Code',
  'web.reset.signsOut': 'Toutes les sessions ouvertes sont fermées quand le mot de passe change.',
  'web.reset.set': 'Définir le nouveau mot de passe',

  'mail.checkFailed.subject': 'Un SMS a été retenu',
  'mail.checkFailed.body':
    'Nous n’avons pas pu vérifier votre numéro auprès de votre opérateur, un SMS a donc été retenu. Vérifiez-le sur {settings}.',
  'mail.notMe.subject': 'Posts par SMS supprimés',
  'mail.notMe.body':
    'Vous avez signalé des posts par SMS qui ne sont pas de vous. Ils ont été supprimés et la publication par SMS est verrouillée.',
  'mail.unlocked.subject': 'Publication par SMS déverrouillée',
  'mail.unlocked.body':
    'La publication par SMS de @{username} a été déverrouillée. Si ce n’était pas vous, changez votre mot de passe sur {security}.',
  'mail.signInWithheld.subject': 'Code de connexion non envoyé',
  'mail.signInWithheld.body':
    '{flood, select, yes {Quelqu’un a demandé un code de connexion par SMS, mais tant de codes ont été demandés pour votre numéro qu’aucun n’a été envoyé. Si c’était vous, connectez-vous avec votre mot de passe, ou redemandez depuis un réseau où vous vous êtes déjà connecté.} other {Quelqu’un a demandé un code de connexion par SMS, mais votre opérateur signale un changement récent de SIM : aucun code n’a été envoyé. Si c’était vous, connectez-vous avec votre mot de passe.}}',
  'mail.resetWithheld.subject': 'Code de réinitialisation non envoyé',
  'mail.resetWithheld.body':
    '{flood, select, yes {Quelqu’un a demandé un code de réinitialisation du mot de passe par SMS, mais tant de codes ont été demandés pour votre numéro qu’aucun n’a été envoyé. Réinitialisez votre mot de passe par e-mail.} other {Quelqu’un a demandé un code de réinitialisation du mot de passe par SMS, mais votre opérateur signale un changement récent de SIM : aucun code n’a été envoyé. Réinitialisez votre mot de passe par e-mail.}}',
  'mail.codesLocked.subject': 'Codes par SMS verrouillés',
  'mail.codesLocked.body':
    '{until, select, none {Trop de codes erronés ont été saisis pour @{username} ou son numéro : les codes envoyés par SMS (connexion, second facteur, réinitialisation du mot de passe, vérification du téléphone) sont verrouillés.} other {Trop de codes erronés ont été saisis pour @{username} ou son numéro : les codes envoyés par SMS (connexion, second facteur, réinitialisation du mot de passe, vérification du téléphone) sont verrouillés jusqu’au {until}.}}\n\nSi ce n’était pas vous, quelqu’un essaie peut-être d’entrer dans votre compte : vous n’avez rien à faire, et aucun code ne fonctionne tant que dure le verrou. Pour le lever maintenant, connectez-vous avec votre mot de passe (et votre autre facteur, si vous en avez un) ou réinitialisez votre mot de passe par e-mail sur {reset}. Vérifiez {security}.',
  'mail.passwordReset.subject': 'Votre mot de passe a été changé',
  'mail.passwordReset.body':
    '{via, select, sms {Le mot de passe de @{username} a été réinitialisé avec un code envoyé par SMS, et toutes les sessions ont été fermées.} email {Le mot de passe de @{username} a été réinitialisé avec un code envoyé par e-mail, et toutes les sessions ont été fermées.} other {Le mot de passe de @{username} a été réinitialisé, et toutes les sessions ont été fermées.}}\n\nSi ce n’était pas vous, réinitialisez-le de nouveau sur {reset} et vérifiez {security}.',
  'mail.recoveryUsed.subject': 'Un code de récupération a été utilisé',
  'mail.recoveryUsed.body':
    '{counted, select, yes {{remaining, plural, one {Un code de récupération a servi à se connecter à @{username} (il en reste #).} other {Un code de récupération a servi à se connecter à @{username} (il en reste #).}}} other {Un code de récupération a servi à se connecter à @{username}.}} Si ce n’était pas vous, vérifiez {security}.',
  'mail.twoFactor.subject': 'Réglages de double authentification modifiés',
  'mail.twoFactor.body':
    '{change, select, authenticator_app_added {La protection de la connexion de @{username} a changé : une application d’authentification a été ajoutée.} authenticator_app_removed {La protection de la connexion de @{username} a changé : l’application d’authentification a été retirée.} recovery_codes_regenerated {La protection de la connexion de @{username} a changé : de nouveaux codes de récupération ont été créés.} sms_two_factor_on {La protection de la connexion de @{username} a changé : les codes par SMS ont été activés.} sms_two_factor_off {La protection de la connexion de @{username} a changé : les codes par SMS ont été désactivés.} strong_factor_required {La protection de la connexion de @{username} a changé : un facteur fort est désormais exigé.} strong_factor_no_longer_required {La protection de la connexion de @{username} a changé : un facteur fort n’est plus exigé.} password_changed {La protection de la connexion de @{username} a changé : le mot de passe a été changé.} passkey_removed {La protection de la connexion de @{username} a changé : une clé d’accès a été retirée.} reset_by_operator {La protection de la connexion de @{username} a changé : un opérateur a retiré tous les seconds facteurs.} other {La protection de la connexion de @{username} a changé.}} Si ce n’était pas vous, vérifiez {security}.',
  'mail.passkeyAdded.subject': 'Une clé d’accès a été ajoutée',
  'mail.passkeyAdded.body':
    'Une clé d’accès a été ajoutée à @{username}. Si ce n’était pas vous, retirez-la sur {security}.',
  'mail.sessionRevoked.subject': 'Une session a été fermée',
  'mail.sessionRevoked.body': 'Une session de @{username} a été fermée.',
  'mail.general.subject': 'Avis de sécurité',
  'mail.general.body': 'Quelque chose a changé sur @{username}. Vérifiez {security}.',

  'mail.signupCode.subject': 'Code d’inscription {instance} : {code}',
  'mail.signupCode.body':
    'Bienvenue sur {instance}.\n\nVotre code est {code}. Il expire dans 10 minutes.\n\nSi vous n’avez pas essayé de vous inscrire, ignorez cet e-mail.',
  'mail.signupExists.subject': 'Vous avez déjà un compte {instance}',
  'mail.signupExists.body':
    'Quelqu’un a essayé de s’inscrire sur {instance} avec cette adresse, qui a déjà un compte.\n\nSi c’était vous, connectez-vous sur {web}/login, ou réinitialisez votre mot de passe sur {web}/password_reset.\nSinon, vous pouvez ignorer cet e-mail.',
  'mail.resetCode.subject': 'Code de réinitialisation {instance} : {code}',
  'mail.resetCode.body':
    'Quelqu’un a demandé à réinitialiser le mot de passe de votre compte {instance}.\n\nVotre code est {code}. Il expire dans 10 minutes.\n\nSi ce n’était pas vous, ignorez cet e-mail : votre mot de passe reste inchangé.',
  'mail.approved.subject': 'Bienvenue sur {instance} : votre compte est approuvé',
  'mail.approved.body': 'Votre compte {instance} @{username} a été approuvé. Connectez-vous sur {web}/login.',
  'mail.rejected.subject': 'Votre inscription sur {instance} n’a pas été approuvée',
  'mail.rejected.body':
    'Les modérateurs de {instance} n’ont pas approuvé le compte @{username}. Il ne sera pas activé.',
  'mail.waiting.subject': 'Votre inscription sur {instance} attend une approbation',
  'mail.waiting.body':
    'Merci de vous être inscrit sur {instance} en tant que @{username}. Un modérateur examine les nouveaux comptes avant qu’ils puissent se connecter ; nous vous écrirons quand la décision sera prise.',

  'sms.signInCode':
    '{code} est votre code de connexion {instance}. Il expire dans 10 min. Ne le donnez jamais : nous ne le demandons jamais.',
  'sms.secondFactorCode':
    '{code} est votre code de connexion {instance}. Quelqu’un a saisi votre mot de passe : si ce n’était pas vous, changez-le.',
  'sms.resetCode':
    '{code} est votre code de réinitialisation {instance}. Il expire dans 10 min. Si vous ne l’avez pas demandé, ignorez ce SMS.',
};
