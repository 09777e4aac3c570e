package http

// The stablecoin page's words, merged into messages at start (one file per
// feature, so that the main table stays readable).
var coinMessages = map[string]map[string]string{
	"en": {
		"stablecoin":         "Stablecoin",
		"stablecoin_get":     "Get the deposit address",
		"coin_choose":        "Token and network",
		"coin_on":            "%s on %s",
		"coin_title":         "Send the payment",
		"coin_send":          "Send exactly %s %s on %s",
		"coin_warning":       "Send only %s on the %s network to this address: another token or network cannot be recovered.",
		"coin_amount":        "Amount",
		"coin_network":       "Network",
		"coin_address":       "Address",
		"coin_qr_label":      "QR code: pay %s %s on %s",
		"coin_scan":          "Scan with your wallet, or copy the address and amount.",
		"coin_wallet":        "Open in wallet",
		"coin_waiting":       "Waiting for your transfer…",
		"coin_confirming":    "Received, confirming (%d/%d)",
		"coin_underpaid":     "Received %s %s: send the remaining %s %s to the same address.",
		"coin_simulate":      "Simulate transfer",
		"coin_simulate_note": "Test mode: no chain is watched; simulate the transfer arriving.",
		"coin_change":        "Choose another token",
		"coin_pending":       "You chose %s.",
		"coin_pending_link":  "Show the deposit address",
		"paid_coin":          "Paid %s with %s %s on %s.",
		"test_mode_plain":    "Test mode: no real money moves.",
	},
	"pt": {
		"stablecoin":         "Stablecoin",
		"stablecoin_get":     "Obter o endereço de depósito",
		"coin_choose":        "Moeda e rede",
		"coin_on":            "%s na %s",
		"coin_title":         "Enviar o pagamento",
		"coin_send":          "Envie exatamente %s %s na %s",
		"coin_warning":       "Envie apenas %s na rede %s para este endereço: outra moeda ou rede não pode ser recuperada.",
		"coin_amount":        "Montante",
		"coin_network":       "Rede",
		"coin_address":       "Endereço",
		"coin_qr_label":      "Código QR: pagar %s %s na %s",
		"coin_scan":          "Leia com a sua carteira, ou copie o endereço e o montante.",
		"coin_wallet":        "Abrir na carteira",
		"coin_waiting":       "À espera da sua transferência…",
		"coin_confirming":    "Recebido, a confirmar (%d/%d)",
		"coin_underpaid":     "Recebido %s %s: envie os %s %s em falta para o mesmo endereço.",
		"coin_simulate":      "Simular transferência",
		"coin_simulate_note": "Modo de teste: nenhuma rede é observada; simule a chegada da transferência.",
		"coin_change":        "Escolher outra moeda",
		"coin_pending":       "Escolheu %s.",
		"coin_pending_link":  "Mostrar o endereço de depósito",
		"paid_coin":          "Pago %s com %s %s na %s.",
		"test_mode_plain":    "Modo de teste: nenhum dinheiro real é movimentado.",
	},
	"fr": {
		"stablecoin":         "Stablecoin",
		"stablecoin_get":     "Obtenir l’adresse de dépôt",
		"coin_choose":        "Jeton et réseau",
		"coin_on":            "%s sur %s",
		"coin_title":         "Envoyer le paiement",
		"coin_send":          "Envoyez exactement %s %s sur %s",
		"coin_warning":       "N’envoyez que des %s sur le réseau %s à cette adresse : un autre jeton ou réseau ne peut pas être récupéré.",
		"coin_amount":        "Montant",
		"coin_network":       "Réseau",
		"coin_address":       "Adresse",
		"coin_qr_label":      "Code QR : payer %s %s sur %s",
		"coin_scan":          "Scannez avec votre portefeuille, ou copiez l’adresse et le montant.",
		"coin_wallet":        "Ouvrir dans le portefeuille",
		"coin_waiting":       "En attente de votre virement…",
		"coin_confirming":    "Reçu, confirmation en cours (%d/%d)",
		"coin_underpaid":     "Reçu %s %s : envoyez les %s %s restants à la même adresse.",
		"coin_simulate":      "Simuler le virement",
		"coin_simulate_note": "Mode test : aucune chaîne n’est observée ; simulez l’arrivée du virement.",
		"coin_change":        "Choisir un autre jeton",
		"coin_pending":       "Vous avez choisi %s.",
		"coin_pending_link":  "Afficher l’adresse de dépôt",
		"paid_coin":          "Payé %s avec %s %s sur %s.",
		"test_mode_plain":    "Mode test : aucun argent réel n'est déplacé.",
	},
}

func init() {
	for lang, m := range coinMessages {
		for k, v := range m {
			if _, taken := messages[lang][k]; !taken {
				messages[lang][k] = v
			}
		}
	}
}
