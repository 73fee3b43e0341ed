package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki is the throwaway certificate set of one harness run: one CA signs the API server's serving cert, the
// admin client cert (system:masters) and the webhooks' serving cert; a separate RSA key signs service-account
// tokens. Everything is valid for 127.0.0.1 and localhost only and lives in the run's temporary directory.
type pki struct {
	dir                     string
	caCert, caKey           string
	serverCert, serverKey   string
	adminCert, adminKey     string
	webhookCert, webhookKey string
	webhookDir              string // tls.crt/tls.key, the names controller-runtime's webhook server reads
	saPub, saKey            string
	caPEM                   []byte
}

func newPKI(dir string) (*pki, error) {
	p := &pki{dir: dir, webhookDir: filepath.Join(dir, "webhook")}
	if err := os.MkdirAll(p.webhookDir, 0o700); err != nil {
		return nil, err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gpu-platform-verify-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	p.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	p.caCert, p.caKey = filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	if err := writePEM(p.caCert, "CERTIFICATE", caDER); err != nil {
		return nil, err
	}
	if err := writeKey(p.caKey, caKey); err != nil {
		return nil, err
	}

	leaf := func(name, cn string, orgs []string, usage x509.ExtKeyUsage, serial int64, dir string, certName, keyName string) (string, string, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return "", "", err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: cn, Organization: orgs},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		if usage == x509.ExtKeyUsageServerAuth {
			tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
			tmpl.DNSNames = []string{"localhost"}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return "", "", err
		}
		c, k := filepath.Join(dir, certName), filepath.Join(dir, keyName)
		if err := writePEM(c, "CERTIFICATE", der); err != nil {
			return "", "", err
		}
		return c, k, writeKey(k, key)
	}
	if p.serverCert, p.serverKey, err = leaf("server", "kube-apiserver", nil, x509.ExtKeyUsageServerAuth, 2, dir, "apiserver.crt", "apiserver.key"); err != nil {
		return nil, err
	}
	if p.adminCert, p.adminKey, err = leaf("admin", "verify-admin", []string{"system:masters"}, x509.ExtKeyUsageClientAuth, 3, dir, "admin.crt", "admin.key"); err != nil {
		return nil, err
	}
	if p.webhookCert, p.webhookKey, err = leaf("webhook", "webhooks", nil, x509.ExtKeyUsageServerAuth, 4, p.webhookDir, "tls.crt", "tls.key"); err != nil {
		return nil, err
	}

	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	p.saKey, p.saPub = filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	if err := writePEM(p.saKey, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(saKey)); err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	return p, writePEM(p.saPub, "PUBLIC KEY", pubDER)
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(path, "EC PRIVATE KEY", der)
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}
