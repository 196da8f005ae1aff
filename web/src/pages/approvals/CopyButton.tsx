import { CheckIcon, CopyIcon } from 'lucide-react'
import { useState } from 'react'
import { Button, toast } from '@/components/ui'
import { copyText } from './format'

/** A button copying text, saying "Copied" for a moment; label names what it copies. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false)
  return (
    <Button
      type="button"
      variant="outline"
      size="sm"
      aria-label={`Copy ${label}`}
      onClick={async () => {
        if (await copyText(text)) {
          setCopied(true)
          setTimeout(() => setCopied(false), 2000)
        } else {
          toast.error('The browser did not allow copying: select the text and copy it by hand.')
        }
      }}
    >
      {copied ? <CheckIcon aria-hidden="true" /> : <CopyIcon aria-hidden="true" />}
      <span aria-live="polite">{copied ? 'Copied' : 'Copy'}</span>
    </Button>
  )
}
