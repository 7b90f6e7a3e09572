import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSmsCommand } from '../../src/sms/commands.ts';

describe('SMS command parser', () => {
  it.each([
    ['D @bob see you', { kind: 'direct', username: 'bob', text: 'see you' }],
    ['dm @bob see you', { kind: 'direct', username: 'bob', text: 'see you' }],
    ['D bob see you', { kind: 'direct', username: 'bob', text: 'see you' }],
    ['REPLY @bob well said', { kind: 'replyTo', username: 'bob', text: 'well said' }],
    ['reply @ana@example.social merci', { kind: 'replyTo', username: 'ana@example.social', text: 'merci' }],
    ['REPLY bob well said', { kind: 'replyTo', username: 'bob', text: 'well said' }],
    ['Répondre @bob bien dit', { kind: 'replyTo', username: 'bob', text: 'bien dit' }],
    ['REPONDRE bob bien dit', { kind: 'replyTo', username: 'bob', text: 'bien dit' }],
    ['jibu @bob asante sana', { kind: 'replyTo', username: 'bob', text: 'asante sana' }],
    ['RESPONDER @bob obrigado', { kind: 'replyTo', username: 'bob', text: 'obrigado' }],
    ['amsa @bob na gode', { kind: 'replyTo', username: 'bob', text: 'na gode' }],
    ['رد @bob شكرا لك', { kind: 'replyTo', username: 'bob', text: 'شكرا لك' }],
    ['FOLLOW @bob', { kind: 'follow', username: 'bob' }],
    ['follow @Bob_1', { kind: 'follow', username: 'Bob_1' }],
    ['FOLLOW bob', { kind: 'follow', username: 'bob' }],
    ['UNFOLLOW @bob', { kind: 'unfollow', username: 'bob' }],
    ['leave @bob', { kind: 'unfollow', username: 'bob' }],
    ['ON', { kind: 'notifications', on: true, username: null }],
    ['off', { kind: 'notifications', on: false, username: null }],
    ['ON @bob', { kind: 'notifications', on: true, username: 'bob' }],
    ['OFF @bob', { kind: 'notifications', on: false, username: 'bob' }],
    ['GET @bob', { kind: 'get', username: 'bob' }],
    ['whois @bob@sparrow.example', { kind: 'whois', username: 'bob@sparrow.example' }],
    ['FOLLOW @ana@example.social', { kind: 'follow', username: 'ana@example.social' }],
    ['follow @ana@127.0.0.1:4000', { kind: 'follow', username: 'ana@127.0.0.1:4000' }],
    ['UNDO', { kind: 'undo' }],
    ['help', { kind: 'help' }],
    ['INFO', { kind: 'help' }],
    ['  Stop. ', { kind: 'stop' }],
    ['STOPALL', { kind: 'stop' }],
    ['unsubscribe', { kind: 'stop' }],
    ['CANCEL', { kind: 'stop' }],
    ['end', { kind: 'stop' }],
    ['QUIT', { kind: 'stop' }],
    ['START', { kind: 'start' }],
    ['unstop', { kind: 'start' }],
  ])('%j', (text, expected) => {
    expect(parseSmsCommand(text)).toEqual(expected);
  });

  it.each([
    ['On my way home'],
    ['Get well soon Ann'],
    ['Follow the money'],
    ['Stop the war now'],
    ['Help is coming'],
    ['Undo the damage'],
    ['D-day is here'],
    ['Leave it to me'],
    ['end of the day'],
    ['hello world'],
    ['Reply soon please'],
    ['Reply to @bob when you can'],
    ['Reply START to resume'],
    ['Répondre à tous, c’est poli'],
    ['Repondre vite svp'],
    ['Jibu langu ni ndiyo'],
    ['Jibu ANZA kuendelea'],
    ['Responder depois do almoço'],
    ['Amsa ta gaskiya ce'],
    ['رد الجميل واجب'],
    ['رد bob شكرا'],
  ])('treats ordinary text as a post: %j', (text) => {
    expect(parseSmsCommand(text)).toEqual({ kind: 'post', text });
  });

  it.each([
    ['FOLLOW', 'FOLLOW @user'],
    ['GET', 'GET @user'],
    ['D', 'D @user message'],
    ['D @bob', 'D @user message'],
    ['REPLY', 'REPLY @user text'],
    ['reply @bob', 'REPLY @user text'],
    ['JIBU @bob', 'REPLY @user text'],
    ['FOLLOW @bob now', 'FOLLOW @user'],
    ['ON @bob @carol', 'ON or ON @user'],
    ['WHOIS @', 'WHOIS @user'],
  ])('answers a malformed command with its usage: %j', (text, usage) => {
    expect(parseSmsCommand(text)).toMatchObject({ kind: 'malformed', usage });
  });

  it('never throws and always returns a known kind, whatever arrives', () => {
    const kinds = new Set([
      'post',
      'direct',
      'replyTo',
      'follow',
      'unfollow',
      'notifications',
      'get',
      'whois',
      'undo',
      'help',
      'stop',
      'start',
      'malformed',
    ]);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (text) => {
        const command = parseSmsCommand(text);
        expect(kinds.has(command.kind)).toBe(true);
        if (command.kind === 'post') expect(command.text).toBe(command.text.trim());
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps every word of a post', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 3, maxLength: 20 }), (words) => {
        const text = words.join(' ');
        const command = parseSmsCommand(text);
        if (command.kind === 'post') expect(command.text).toBe(text);
      }),
    );
  });
});
