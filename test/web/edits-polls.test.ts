import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient, expectGoodPage } from './helpers.ts';

/**
 * Editing one's own post and voting in a poll on the web, as a browser without JavaScript
 * does it: plain forms, redirects, the "edited" link to the history page.
 */
describe.each(ENGINES)('edits and polls on the web ($label)', ({ name: engine, skip }) => {
  let h: SmsHarness;
  let author: FormClient;
  let voter: FormClient;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(engine);
    author = new FormClient(h.app);
    voter = new FormClient(h.app);
    await author.signUp('webauthor');
    await voter.signUp('webvoter');
  });
  afterAll(async () => h?.close());

  it.skipIf(skip)('edits a post through a form; the post says "edited" and links its history', async () => {
    const made = await author.post('/posts', { status: 'a typo hree', visibility: 'public' });
    expect(made.statusCode).toBe(303);
    const id = /href="\/@webauthor\/(\d+)"/.exec((await author.get('/@webauthor')).body)?.[1];
    expect(id).toBeDefined();
    const postPage = await author.get(`/@webauthor/${id}`);
    expect(postPage.body).toContain(`href="/@webauthor/${id}/edit"`);
    // Nobody else is offered the edit, nor can they use it.
    expect((await voter.get(`/@webauthor/${id}`)).body).not.toContain(`/@webauthor/${id}/edit`);
    expect((await voter.get(`/@webauthor/${id}/edit`)).statusCode).toBe(404);
    expect((await voter.post(`/posts/${id}/edit`, { status: 'vandalised' })).statusCode).toBe(404);

    const form = await author.get(`/@webauthor/${id}/edit`);
    expectGoodPage(form, '/edit');
    expect(form.body).toContain('a typo hree</textarea>');
    const tooLong = await author.post(`/posts/${id}/edit`, { status: 'x'.repeat(501) });
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.body).toContain('too long');

    const saved = await author.post(`/posts/${id}/edit`, { status: 'a typo here', spoiler_text: '' });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/@webauthor/${id}?notice=edited`);
    const after = await voter.get(`/@webauthor/${id}`);
    expectGoodPage(after, '/post');
    expect(after.body).toContain('a typo here');
    expect(after.body).not.toContain('hree');
    expect(after.body).toContain(`href="/@webauthor/${id}/history">edited</a>`);

    const history = await voter.get(`/@webauthor/${id}/history`);
    expectGoodPage(history, '/history');
    expect(history.body).toContain('a typo hree');
    expect(history.body).toContain('a typo here');
    expect(history.body.indexOf('a typo here')).toBeLessThan(history.body.indexOf('a typo hree'));
  });

  it.skipIf(skip)('makes a poll from the compose form, votes with a plain form, shows percentages', async () => {
    const home = await author.get('/home');
    expectGoodPage(home, '/home');
    expect(home.body).toContain('<summary>Add a poll</summary>');
    const lonely = await author.post('/posts', {
      status: 'One option?',
      poll_option_1: 'only',
      poll_expires_in: '3600',
    });
    expect(lonely.statusCode).toBe(422);
    expect(lonely.body).toContain('at least 2 options');
    const made = await author.post('/posts', {
      status: 'Cats or dogs?',
      poll_option_1: 'Cats',
      poll_option_2: 'Dogs',
      poll_option_3: '',
      poll_expires_in: '3600',
    });
    expect(made.statusCode).toBe(303);
    const me = (await h.ctx.microblog.lookup('webauthor'))!;
    const [latest] = await h.ctx.microblog.accountTimeline(me.id, me.id, { limit: 1 });
    const post = latest!.post;
    expect(post.text).toBe('Cats or dogs?');
    expect(latest!.poll?.poll.options).toEqual(['Cats', 'Dogs']);
    expect(latest!.poll!.poll.expiresAt.getTime() - post.createdAt.getTime()).toBe(3600_000);
    const page = await voter.get(`/@webauthor/${post.id}`);
    expectGoodPage(page, '/poll');
    expect(page.body).toMatch(/<input type="radio" name="choices" value="1" required> Dogs/);
    const pollId = /action="\/polls\/(\d+)\/vote"/.exec(page.body)?.[1];
    expect(pollId).toBeDefined();
    // The author sees results, not a ballot.
    expect((await author.get(`/@webauthor/${post.id}`)).body).not.toContain(`/polls/${pollId}/vote`);

    const voted = await voter.post(`/polls/${pollId}/vote`, { choices: '1' });
    expect(voted.statusCode).toBe(303);
    expect(voted.headers.location).toBe(`/@webauthor/${post.id}?notice=voted`);
    const results = await voter.get(`/@webauthor/${post.id}`);
    expectGoodPage(results, '/poll results');
    expect(results.body).toContain('Dogs (your vote)');
    expect(results.body).toContain('<progress max="100" value="100">100%</progress> 100% (1)');
    expect(results.body).toContain('1 vote · 1 person');

    const again = await voter.post(`/polls/${pollId}/vote`, { choices: '0' });
    expect(again.statusCode).toBe(422);
    expect(again.body).toContain('already voted');
  });
});
