import { afterEach, describe, expect, it, vi } from 'vitest'
import { stubFetch } from '@/test/utils'
import { ChatStreamError, sendChatMessage } from './api'

afterEach(() => vi.unstubAllGlobals())

const sse = (body: string) => () => new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } })

describe('sendChatMessage', () => {
  it('delivers each delta, then the done event, with the CSRF header', async () => {
    document.cookie = 'forge_csrf=tok'
    const f = stubFetch({
      'POST /api/chat/sessions/s1/messages': sse(
        'event: delta\ndata: {"content":"Hel"}\n\nevent: delta\r\ndata: {"content":"lo"}\r\n\r\nevent: done\ndata: {"messageId":"m1","proposals":[]}\n\n',
      ),
    })
    const deltas: string[] = []
    const done = await sendChatMessage('s1', 'hi', (d) => deltas.push(d))
    expect(deltas).toEqual(['Hel', 'lo'])
    expect(done).toEqual({ messageId: 'm1', proposals: [] })
    expect((f.mock.calls[0][1]?.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok')
  })

  it('throws the error event of the stream', async () => {
    stubFetch({
      'POST /api/chat/sessions/s1/messages': sse(
        'event: delta\ndata: {"content":"x"}\n\nevent: error\ndata: {"code":"ai_unavailable","message":"the AI provider is busy; try again"}\n\n',
      ),
    })
    const err = await sendChatMessage('s1', 'hi', () => {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ChatStreamError)
    expect(err).toMatchObject({ code: 'ai_unavailable', message: 'the AI provider is busy; try again' })
  })

  it('says the answer was interrupted when the stream ends without done', async () => {
    stubFetch({ 'POST /api/chat/sessions/s1/messages': sse('event: delta\ndata: {"content":"x"}\n\n') })
    await expect(sendChatMessage('s1', 'hi', () => {})).rejects.toMatchObject({ code: 'interrupted' })
  })
})
