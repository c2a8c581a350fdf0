import { EMPTY_TIMELINE_MARK, Watermarks } from '../../src/producer/watermarks';

describe('Watermarks (pure): what a restart may resume from', () => {
  it('catches up from the newest id seen, numerically (not as text)', () => {
    const marks = new Watermarks(new Map([['u', '999']]));
    marks.noteReceived('u', '1000');
    expect(marks.sinceId('u')).toBe('1000');
    marks.noteReceived('u', '998');
    expect(marks.sinceId('u')).toBe('1000');
  });

  it('never saves a mark past a gap whose catch-up is still open', () => {
    const marks = new Watermarks(new Map([['u', '100']]));
    const release = marks.hold(['u']);
    marks.noteAcked('u', '200');
    expect(marks.dueForSave().size).toBe(0);
    release();
    expect(marks.dueForSave()).toEqual(new Map([['u', '200']]));
    marks.markSaved(marks.dueForSave());
    expect(marks.dueForSave().size).toBe(0);
  });

  it('holds count: a second catch-up keeps the mark held after the first ends', () => {
    const marks = new Watermarks(new Map([['u', '100']]));
    const first = marks.hold(['u']);
    const second = marks.hold(['u']);
    marks.noteAcked('u', '150');
    first();
    first();
    expect(marks.dueForSave().size).toBe(0);
    second();
    expect(marks.dueForSave().get('u')).toBe('150');
  });

  it('an empty-timeline baseline means "everything", and any real id replaces it', () => {
    const marks = new Watermarks(new Map([['u', EMPTY_TIMELINE_MARK]]));
    expect(marks.knows('u')).toBe(true);
    expect(marks.sinceId('u')).toBeUndefined();
    marks.noteAcked('u', '5');
    expect(marks.dueForSave().get('u')).toBe('5');
    expect(new Watermarks().knows('u')).toBe(false);
  });
});
