import type { errorsEn } from './en.ts';

export const errorsAr: Record<keyof typeof errorsEn, string> = {
  'error.not_found': 'غير موجود',
  'error.forbidden': 'هذا الإجراء غير مسموح',
  'error.staff.needs_staff': 'هذا الإجراء للمشرفين والمديرين فقط',
  'error.staff.needs_admin': 'هذا الإجراء للمديرين فقط',
  'error.staff.own_account': 'لا يمكنك اتخاذ إجراء على حسابك هنا',
  'error.staff.on_staff': 'وحده المدير يمكنه اتخاذ إجراء على مشرف أو مدير',
  'error.staff.which_account': 'أي حساب؟',
  'error.staff.reason_required': 'يجب ذكر سبب لسجل التدقيق',
  'error.staff.reason_too_long':
    'يجب ألا يتجاوز السبب {max, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}}',
  'error.account.username_format': 'اسم المستخدم من 1 إلى 30 حرفاً لاتينياً (A–Z) أو رقماً أو شرطة سفلية',
  'error.account.username_taken': 'اسم المستخدم مأخوذ',
  'error.post.reply_missing': 'المنشور الذي ترد عليه غير موجود',
  'error.post.no_boost': 'لا يمكن إعادة نشر هذا المنشور',
  'error.post.blank': 'لا يمكن أن يكون النص فارغاً',
  'error.post.too_long':
    'النص طويل جداً: {length, plural, zero {# حرف} one {حرف واحد} two {حرفان} few {# أحرف} many {# حرفاً} other {# حرف}}، والحد {max}',
  'error.post.visibility': 'مستوى ظهور غير معروف',
  'error.post.delete_own': 'يمكنك حذف منشوراتك فقط',
  'error.follow.self': 'لا يمكنك متابعة نفسك',
  'error.follow.blocked': 'لا يمكنك متابعة هذا الحساب',
  'error.follow.no_request': 'لا يوجد طلب متابعة من هذا الحساب',
  'error.block.self': 'لا يمكنك حظر نفسك',
  'error.mute.self': 'لا يمكنك كتم نفسك',
  'error.poll.ended': 'انتهى الاستطلاع',
  'error.poll.own': 'لا يمكنك التصويت في استطلاعك',
  'error.poll.none': 'اختر خياراً واحداً على الأقل',
  'error.poll.twice': 'يُختار كل خيار مرة واحدة فقط',
  'error.poll.unknown': 'هذا الخيار ليس في الاستطلاع',
  'error.poll.single': 'يقبل هذا الاستطلاع خياراً واحداً فقط',
  'error.poll.voted': 'لقد صوّتّ في هذا الاستطلاع من قبل',
  'error.pin.own': 'يمكنك تثبيت منشوراتك فقط',
  'error.pin.boost': 'لا يمكن تثبيت إعادة النشر',
  'error.pin.visibility': 'لا تُثبَّت إلا المنشورات العامة وغير المدرجة',
  'error.pin.full':
    'يمكنك تثبيت {max, plural, zero {# منشور} one {منشور واحد} two {منشورين} few {# منشورات} many {# منشوراً} other {# منشور}} على الأكثر',
  'error.pin.staff': 'يجب أن يحتفظ المديرون والمشرفون برمز نشر',
  'error.pin.format': 'يتكون رمز النشر من 4 إلى 8 أرقام',
  'error.pin.easy': 'هذا الرمز سهل التخمين (أرقام مكررة أو متتالية)',
  'error.held.no_phone': 'اربط رقم هاتف قبل إطلاق الرسائل المحجوزة',
  'error.held.done': 'أُطلقت هذه الرسالة أو حُذفت من قبل',
  'error.field.too_long': '{field} طويل جداً (الحد {max})',
  'error.auth.choose_method': 'اختر إحدى الطرق المعروضة.',
  'error.oauth.unknown_client': 'هذا التطبيق غير مسجّل على هذا الخادم (client_id غير معروف).',
  'error.oauth.redirect_mismatch': 'طلب التطبيق العودة إلى عنوان لم يسجّله (redirect_uri).',
  'error.oauth.response_type': 'طلب التطبيق نوع رد غير مدعوم (يعمل response_type=code فقط).',
  'error.oauth.scope_exceeds': 'طلب التطبيق وصولاً أكثر مما سجّله.',
  'error.oauth.pkce_method': 'طلب التطبيق غير سليم (يجب أن تكون code_challenge_method هي S256).',
  'error.oauth.pkce_malformed': 'طلب التطبيق غير سليم (code_challenge).',
  'error.oauth.unknown_scopes': 'طلب التطبيق وصولاً لا يعرفه هذا الخادم: {scopes}',
  'error.list.full':
    'يمكنك إنشاء {max, plural, zero {# قائمة} one {قائمة واحدة} two {قائمتين} few {# قوائم} many {# قائمة} other {# قائمة}} على الأكثر',
  'error.list.follow_only': 'لا يمكنك أن تضيف إلى قائمة إلا حسابات تتابعها',
  'error.list.members_full':
    'تضم القائمة {max, plural, zero {# عضو} one {عضواً واحداً} two {عضوين} few {# أعضاء} many {# عضواً} other {# عضو}} على الأكثر',
  'error.list.title_required': 'تحتاج القائمة إلى عنوان',
  'error.list.title_too_long':
    'يجب ألا يتجاوز عنوان القائمة {max, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}}',
  'error.federation.domain_format': 'يجب أن يكون النطاق اسم خادم مثل example.social',
  'error.federation.severity': 'يجب أن تكون الشدة suspend أو limit أو noop',
  'error.federation.severity_choice': 'اختر التعليق أو التقييد',
  'error.federation.noop_needs_media': 'حظر noop يرفض الوسائط فقط: فعّل رفض الوسائط',
  'error.federation.not_blocked': 'هذا الخادم غير محظور',
  'error.list.no_such_account': 'لا يوجد حساب بهذا الاسم.',
  'error.passkey.not_found': 'لم يُعثر على مفتاح المرور هذا.',
  'error.passkey.unreadable': 'تعذّرت قراءة مفتاح المرور. حاول مرة أخرى.',
  'error.profile.time_zone': 'يجب أن تكون المنطقة الزمنية اسماً من IANA مثل Africa/Nairobi أو Europe/Berlin أو UTC',
  'error.profile.name_too_long':
    'يجب ألا يتجاوز الاسم المعروض {max, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}}',
  'error.profile.bio_too_long':
    'يجب ألا تتجاوز النبذة {max, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}}',
  'error.post.media_full':
    'يمكن أن يحمل المنشور {max, plural, zero {# مرفق} one {مرفقاً واحداً} two {مرفقين} few {# مرفقات} many {# مرفقاً} other {# مرفق}} على الأكثر',
  'error.post.media_missing': 'لم يُعثر على المرفق {id}',
  'error.post.media_taken': 'أحد المرفقات موجود في منشور آخر',
  'error.post.media_processing': 'لا يمكن إرفاق ملفات لم تنتهِ معالجتها بعد. حاول بعد لحظات!',
  'error.post.media_failed': 'تعذّرت معالجة أحد المرفقات',
  'error.profile.fields_full':
    'يضم الملف الشخصي {max, plural, zero {# حقل} one {حقلاً واحداً} two {حقلين} few {# حقول} many {# حقلاً} other {# حقل}} على الأكثر',
  'error.profile.field_label': 'يحتاج كل حقل في الملف الشخصي إلى عنوان',
  'error.profile.field_too_long':
    'يجب ألا تتجاوز عناوين حقول الملف الشخصي ومحتواها {max, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}}',
  'error.post.language': 'يجب أن تكون اللغة رمزاً من ISO 639',
  'error.auth.expired': 'انتهت صلاحية تسجيل الدخول هذا. ابدأ من جديد.',
  'error.auth.wrong_code': 'هذا الرمز غير صحيح أو انتهت صلاحيته.',
  'error.auth.too_many_wrong': 'محاولات خاطئة كثيرة جداً. ابدأ من جديد.',
  'error.auth.no_sms': 'رموز الرسائل القصيرة غير متاحة لتسجيل الدخول هذا',
  'error.auth.method_unavailable': 'هذه الطريقة غير متاحة لتسجيل الدخول هذا',
  'error.passkey.unverified': 'تعذّر التحقق من مفتاح المرور',
  'error.auth.which_account': 'أدخل عنوان البريد الإلكتروني أو رقم الهاتف الخاص بالحساب',
  'error.auth.current_password': 'كلمة المرور الحالية غير صحيحة',
  'error.auth.reason_too_long':
    'يجب ألا يتجاوز السبب {max, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}}',
  'error.phone.invalid': 'هذا ليس رقم هاتف محمول صالحاً. استخدم الصيغة الدولية، مثل ‎+254712345678.',
  'error.email.invalid': 'عنوان البريد الإلكتروني غير صالح',
  'error.auth.too_many_here': 'محاولات كثيرة جداً من هنا. انتظر بضع دقائق ثم حاول مجدداً.',
  'error.factor.password_required': 'كلمة مرورك مطلوبة لتغيير حماية تسجيل الدخول',
  'error.factor.password_wrong': 'كلمة المرور هذه غير صحيحة',
  'error.factor.totp_not_started': 'ابدأ أولاً بإعداد تطبيق المصادقة',
  'error.factor.totp_wrong': 'هذا الرمز غير صحيح. تحقق من الوقت في هاتفك وجرّب الرمز الحالي.',
  'error.factor.phone_first': 'اربط رقم هاتف وتحقق منه أولاً',
  'error.factor.strong_first': 'أضف تطبيق مصادقة أو مفتاح مرور قبل اشتراط عامل قوي',
  'error.passkey.expired': 'انتهت صلاحية طلب مفتاح المرور هذا. حاول مجدداً.',
  'error.passkey.taken': 'مفتاح المرور هذا مسجّل بالفعل',
  'error.media.on_post_edit': 'هذا الملف موجود في منشور بالفعل؛ عدّل المنشور بدلاً من ذلك',
  'error.media.on_post_delete': 'هذا الملف موجود في منشور؛ احذف المنشور بدلاً من ذلك',
  'error.media.empty': 'الملف فارغ',
  'error.media.too_large': 'الملف كبير جداً: الحد الأقصى للصور {size}',
  'error.media.description_too_long':
    'الوصف طويل جداً: {max, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}} على الأكثر',
  'error.media.focus': 'يجب أن تكون نقطة التركيز رقمين من -1.0 إلى 1.0 بالشكل "x,y"',
  'error.media.heic': 'صور HEIC غير مدعومة هنا؛ أرسل JPEG أو PNG أو WebP أو GIF أو AVIF',
  'error.media.unsupported': 'الملف ليس صورة مدعومة (JPEG أو PNG أو WebP أو GIF أو AVIF)؛ الفيديو والصوت غير مدعومين',
  'error.media.corrupt': 'الصورة تالفة أو ناقصة',
  'error.media.too_many_pixels':
    'الصورة كبيرة جداً: {max, plural, zero {# بكسل} one {بكسل واحد} two {بكسلان} few {# بكسلات} many {# بكسلاً} other {# بكسل}} على الأكثر',
  'error.media.animation_too_large': 'الصورة المتحركة كبيرة جداً: قلّل عدد الإطارات أو حجمها',
  'error.phone.code_required': 'الرمز مطلوب',
  'error.phone.unusable': 'لم يعد بالإمكان استخدام هذا الرقم',
  'error.phone.taken': 'هذا الرقم مرتبط بحساب آخر بالفعل',
  'error.privacy.unknown_purpose': 'غرض غير معروف: {purpose}',
  'error.privacy.authentication_stays':
    'المصادقة مرتبطة بوسيلة الاتصال نفسها؛ احذف الهاتف أو البريد الإلكتروني لإيقافها',
  'error.signup.check_spent':
    'فحص التسجيل مفقود أو منتهي الصلاحية أو مستخدم من قبل. أعد تحميل الصفحة (التطبيقات: اطلب تحدياً جديداً).',
  'error.signup.closed': 'التسجيل مغلق على هذا الخادم',
  'error.signup.check_missing': 'حُلّ تحدي التسجيل أولاً (GET /api/v1/sparrow/auth/sign_up/challenge)',
  'error.signup.check_harder': 'التسجيلات كثيرة الآن وصار الفحص أصعب: أعد تحميل الصفحة (التطبيقات: اطلب تحدياً جديداً).',
  'error.signup.check_unsolved': 'لم يُحَلّ فحص التسجيل',
  'error.signup.too_many': 'تسجيلات كثيرة جداً من شبكتك أو من مزود بريدك الآن. حاول بعد ساعة.',
  'error.password.too_short':
    'يجب أن تتكون كلمة المرور من {min, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}} على الأقل',
  'error.password.too_long':
    'يجب ألا تتجاوز كلمة المرور {max, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}}',
  'error.registration.not_waiting': '‎@{username} لا ينتظر الموافقة',
  'error.scheduled.full':
    'يمكنك جدولة {max, plural, zero {# منشور} one {منشوراً واحداً} two {منشورين} few {# منشورات} many {# منشوراً} other {# منشور}} على الأكثر',
  'error.scheduled.day_full':
    'يمكنك جدولة {max, plural, zero {# منشور} one {منشوراً واحداً} two {منشورين} few {# منشورات} many {# منشوراً} other {# منشور}} على الأكثر في اليوم الواحد',
  'error.scheduled.too_soon':
    'يجب أن يكون الوقت المجدول بعد {minutes, plural, zero {# دقيقة} one {دقيقة واحدة} two {دقيقتين} few {# دقائق} many {# دقيقة} other {# دقيقة}} على الأقل',
  'error.poll.too_few':
    'يحتاج الاستطلاع إلى {min, plural, zero {# خيار} one {خياراً واحداً} two {خيارين} few {# خيارات} many {# خياراً} other {# خيار}} على الأقل',
  'error.poll.too_many':
    'يضم الاستطلاع {max, plural, zero {# خيار} one {خياراً واحداً} two {خيارين} few {# خيارات} many {# خياراً} other {# خيار}} على الأكثر',
  'error.poll.option_blank': 'لا يمكن أن تكون خيارات الاستطلاع فارغة',
  'error.poll.option_too_long':
    'يجب ألا يتجاوز خيار الاستطلاع {max, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}}',
  'error.poll.option_repeated': 'يجب أن تكون خيارات الاستطلاع مختلفة',
  'error.poll.duration':
    'يدوم الاستطلاع بين {min} و{max, plural, zero {# ثانية} one {ثانية واحدة} two {ثانيتين} few {# ثوانٍ} many {# ثانية} other {# ثانية}}',
  'error.hashtag.not_found': 'لا يوجد وسم بهذا الاسم',
  'error.hashtag.invalid': 'الاسم ليس وسماً صالحاً',
  'error.hashtag.featured_full':
    'يمكنك إبراز {max, plural, zero {# وسم} one {وسماً واحداً} two {وسمين} few {# وسوم} many {# وسماً} other {# وسم}} على الأكثر',
  'error.domain_block.own_server': 'لا يمكنك حظر خادمك',
  'error.domain_block.not_domain': 'هذا ليس اسم نطاق',
  'error.rule.length':
    'تتكون القاعدة من حرف واحد إلى {max, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}}',
  'error.rule.hint_too_long': 'التلميح طويل جداً',
  'error.report.self': 'لا يمكنك الإبلاغ عن نفسك',
  'error.report.foreign_posts': 'يجب أن تكون المنشورات المبلغ عنها من الحساب المبلغ عنه',
  'error.report.comment_too_long':
    'يجب ألا يتجاوز التعليق {max, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}}',
  'error.report.unknown_rule': 'يذكر البلاغ قاعدة غير معروفة',
  'error.report.rules_needed': 'يجب أن يذكر بلاغ مخالفة القواعد القواعدَ المخالفة (rule_ids)',
  'error.sms_lock.password_needed': 'يتطلب فتح النشر عبر الرسائل القصيرة كلمة مرورك',
  'error.held.not_found': 'لا توجد رسالة محتجزة بهذا المعرّف',
  'error.sms_policy.country': '"{country}" ليس رمز بلد ISO 3166-1 alpha-2 له خطة ترقيم هاتفي',
  'error.sms_policy.nothing': 'لا شيء لتغييره: حدد النشر و/أو الإشعارات و/أو الأمان',
  'error.code.too_many': 'رموز خاطئة كثيرة جداً. اطلب رمزاً جديداً.',
  'error.code.expired': 'انتهت صلاحية الرمز أو استُخدم من قبل. اطلب رمزاً جديداً.',
  'error.code.wrong': 'هذا الرمز غير صحيح.',
  'error.code.too_many_later': 'رموز خاطئة كثيرة جداً. حاول لاحقاً.',
  'error.code.wait_minutes':
    'رموز خاطئة كثيرة جداً. انتظر {minutes, plural, zero {# دقيقة} one {دقيقة واحدة} two {دقيقتين} few {# دقائق} many {# دقيقة} other {# دقيقة}} قبل المحاولة مجدداً.',
  'error.code.wait_seconds':
    'رموز خاطئة كثيرة جداً. انتظر {seconds, plural, zero {# ثانية} one {ثانية واحدة} two {ثانيتين} few {# ثوانٍ} many {# ثانية} other {# ثانية}} قبل المحاولة مجدداً.',
  'error.registration.waiting': '‎@{username} ينتظر الموافقة على التسجيل: وافق عليه أو ارفضه بدلاً من ذلك',
  'error.discovery.too_many':
    'يمكن طلب {max, plural, zero {# جهة اتصال} one {جهة اتصال واحدة} two {جهتي اتصال} few {# جهات اتصال} many {# جهة اتصال} other {# جهة اتصال}} على الأكثر في الطلب الواحد',
  'error.discovery.account_too_new':
    'مطابقة جهات الاتصال متاحة للحسابات الأقدم من {days, plural, zero {# يوم} one {يوم واحد} two {يومين} few {# أيام} many {# يوماً} other {# يوم}}',
  'error.discovery.needs_verified': 'تتطلب مطابقة جهات الاتصال رقم هاتف أو بريداً إلكترونياً موثقاً في الحساب',
  'error.discovery.phone_too_new':
    'يتطلب البحث عن أرقام الهواتف رقماً موثقاً في هذا الحساب منذ {days, plural, zero {# يوم} one {يوم واحد} two {يومين} few {# أيام} many {# يوماً} other {# يوم}} على الأقل',
  'error.discovery.total_used': 'بحث هذا الحساب عن أقصى عدد مسموح به من جهات الاتصال ({max})',
  'error.discovery.daily':
    'يمكن البحث عن {max, plural, zero {# جهة اتصال} one {جهة اتصال واحدة} two {جهتي اتصال} few {# جهات اتصال} many {# جهة اتصال} other {# جهة اتصال}} جديدة على الأكثر يومياً؛ حاول لاحقاً',
  'error.discovery.network': 'عمليات بحث كثيرة جداً عن جهات الاتصال من هذه الشبكة اليوم؛ حاول لاحقاً',
  'error.discovery.budget': 'نفدت حصة هذا الخادم اليومية لمطابقة جهات الاتصال؛ حاول غداً',
  'error.discovery.suspended': 'مطابقة جهات الاتصال معلّقة لهذا الحساب بانتظار مراجعة المشرف',
  'error.filter.full':
    'يمكنك إنشاء {max, plural, zero {# عامل تصفية} one {عامل تصفية واحداً} two {عاملَي تصفية} few {# عوامل تصفية} many {# عامل تصفية} other {# عامل تصفية}} على الأكثر',
  'error.filter.keywords_full':
    'يضم عامل التصفية {max, plural, zero {# كلمة مفتاحية} one {كلمة مفتاحية واحدة} two {كلمتين مفتاحيتين} few {# كلمات مفتاحية} many {# كلمة مفتاحية} other {# كلمة مفتاحية}} على الأكثر',
  'error.filter.keyword_not_found': 'لم يُعثر على الكلمة المفتاحية',
  'error.filter.post_already': 'هذا المنشور موجود في عامل التصفية بالفعل',
  'error.filter.posts_full':
    'يضم عامل التصفية {max, plural, zero {# منشور} one {منشوراً واحداً} two {منشورين} few {# منشورات} many {# منشوراً} other {# منشور}} على الأكثر',
  'error.filter.title_required': 'العنوان مطلوب',
  'error.filter.title_too_long':
    'يجب ألا يتجاوز العنوان {max, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}}',
  'error.filter.keyword_required': 'الكلمة المفتاحية مطلوبة',
  'error.filter.keyword_too_long':
    'يجب ألا تتجاوز الكلمة المفتاحية {max, plural, zero {# حرف} one {حرفاً واحداً} two {حرفين} few {# أحرف} many {# حرفاً} other {# حرف}}',
};
