"""Operations on the running pipeline: ``reconcile`` (`newswire audit`), ``deadletters``
(`newswire dead-letters`: inspect and re-publish), ``replay`` (`newswire replay`: move a stopped
consumer group back to re-process a topic)."""
