package com.example.checkout

import java.util.UUID
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.withTimeout

const val PAYMENT_TIMEOUT_MS = 800L

class PaymentClient(private val paymentApi: PaymentApi) {
    suspend fun authorize(amount: Long): Receipt =
        withTimeout(PAYMENT_TIMEOUT_MS) { // @fact timeout ms=800 target=payment
            paymentApi.authorize(amount)
        }

    suspend fun capture(id: String): Receipt =
        withTimeout(1500.milliseconds) { // @fact timeout ms=1500 target=payment
            paymentApi.capture(id)
        }

    suspend fun refund(id: String): Receipt? {
        repeat(3) { attempt -> // @fact retry attempts=3 counts=all-tries target=payment
            try {
                return paymentApi.refund(id, UUID.randomUUID().toString()) // @fact new-id-in-retry target=payment
            } catch (e: java.io.IOException) {
                println("retry $attempt")
            }
        }
        return null
    }

    private val ledgerClient = HttpClient(CIO) {
        install(HttpTimeout) {
            requestTimeoutMillis = 2000 // @fact timeout ms=2000 target=ledger
        }
    }

    fun unrelated(): String {
        val timeout = 30 // a variable named timeout
        return UUID.randomUUID().toString() + timeout // not in a retry path
    }
}
