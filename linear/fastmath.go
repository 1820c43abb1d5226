package linear

import "math"

// Fast exp and log for the loss kernels. The row loop of every pass calls
// one exp and one log per row; math.Exp and math.Log cost about 15 ns each
// here, which at 50-100 features is as much as the row's two dot products.
// These table-driven versions (64-entry tables, short polynomials; the
// method of Tang, "Table-driven implementation of the exponential function
// in IEEE floating-point arithmetic", 1989) are within about 2 ulp of the
// exact values on their domains, which TestFastMath checks against
// math.Exp and math.Log1p.

const (
	expShift = 0x1.8p52               // adding it rounds to an integer in the low mantissa bits
	expInvC  = 0x1.71547652b82fep+6   // 64/ln 2
	expC1    = 0x1.62e42ff000000p-7   // ln2/64, high part (32 bits: k*expC1 is exact)
	expC2    = -0x1.718432a1b0e26p-41 // ln2/64 - expC1
)

// exp2Tab[j] is 2^(j/64), correctly rounded.
var exp2Tab = [64]float64{
	0x1.0000000000000p+0, 0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0,
	0x1.0874518759bc8p+0, 0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0,
	0x1.11301d0125b51p+0, 0x1.1429aaea92de0p+0, 0x1.172b83c7d517bp+0,
	0x1.1a35beb6fcb75p+0, 0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0,
	0x1.2387a6e756238p+0, 0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0,
	0x1.2d285a6e4030bp+0, 0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0,
	0x1.371a7373aa9cbp+0, 0x1.3a7db34e59ff7p+0, 0x1.3dea64c123422p+0,
	0x1.4160a21f72e2ap+0, 0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0,
	0x1.4bfdad5362a27p+0, 0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0,
	0x1.56f4736b527dap+0, 0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0,
	0x1.6247eb03a5585p+0, 0x1.6623882552225p+0, 0x1.6a09e667f3bcdp+0,
	0x1.6dfb23c651a2fp+0, 0x1.71f75e8ec5f74p+0, 0x1.75feb564267c9p+0,
	0x1.7a11473eb0187p+0, 0x1.7e2f336cf4e62p+0, 0x1.82589994cce13p+0,
	0x1.868d99b4492edp+0, 0x1.8ace5422aa0dbp+0, 0x1.8f1ae99157736p+0,
	0x1.93737b0cdc5e5p+0, 0x1.97d829fde4e50p+0, 0x1.9c49182a3f090p+0,
	0x1.a0c667b5de565p+0, 0x1.a5503b23e255dp+0, 0x1.a9e6b5579fdbfp+0,
	0x1.ae89f995ad3adp+0, 0x1.b33a2b84f15fbp+0, 0x1.b7f76f2fb5e47p+0,
	0x1.bcc1e904bc1d2p+0, 0x1.c199bdd85529cp+0, 0x1.c67f12e57d14bp+0,
	0x1.cb720dcef9069p+0, 0x1.d072d4a07897cp+0, 0x1.d5818dcfba487p+0,
	0x1.da9e603db3285p+0, 0x1.dfc97337b9b5fp+0, 0x1.e502ee78b3ff6p+0,
	0x1.ea4afa2a490dap+0, 0x1.efa1bee615a27p+0, 0x1.f50765b6e4540p+0,
	0x1.fa7c1819e90d8p+0,
}

// expNeg returns exp(x) for x <= 0 (and math.Exp(x) for other x).
func expNeg(x float64) float64 {
	if !(x >= -700 && x <= 0) {
		return math.Exp(x) // subnormal results, positive x, NaN
	}
	kf := x*expInvC + expShift
	k := int64(math.Float64bits(kf)&(1<<52-1)) - 1<<51
	kf -= expShift
	r := (x - kf*expC1) - kf*expC2 // |r| <= ln2/128
	r2 := r * r
	p := r + r2*((1.0/2+r*(1.0/6))+r2*((1.0/24+r*(1.0/120))+r2*(1.0/720)))
	t := exp2Tab[k&63]
	scale := math.Float64frombits(uint64(1023+(k>>6)) << 52)
	return (t + t*p) * scale
}

// logTab[j] is log(1+j/128) and invTab[j] 1/(1+j/128), correctly rounded.
var logTab = [129]float64{
	0x0.0p+0, 0x1.fe02a6b106789p-8, 0x1.fc0a8b0fc03e4p-7,
	0x1.7b91b07d5b11bp-6, 0x1.f829b0e783300p-6, 0x1.39e87b9febd60p-5,
	0x1.77458f632dcfcp-5, 0x1.b42dd711971bfp-5, 0x1.f0a30c01162a6p-5,
	0x1.16536eea37ae1p-4, 0x1.341d7961bd1d1p-4, 0x1.51b073f06183fp-4,
	0x1.6f0d28ae56b4cp-4, 0x1.8c345d6319b21p-4, 0x1.a926d3a4ad563p-4,
	0x1.c5e548f5bc743p-4, 0x1.e27076e2af2e6p-4, 0x1.fec9131dbeabbp-4,
	0x1.0d77e7cd08e59p-3, 0x1.1b72ad52f67a0p-3, 0x1.29552f81ff523p-3,
	0x1.371fc201e8f74p-3, 0x1.44d2b6ccb7d1ep-3, 0x1.526e5e3a1b438p-3,
	0x1.5ff3070a793d4p-3, 0x1.6d60fe719d21dp-3, 0x1.7ab890210d909p-3,
	0x1.87fa06520c911p-3, 0x1.9525a9cf456b4p-3, 0x1.a23bc1fe2b563p-3,
	0x1.af3c94e80bff3p-3, 0x1.bc286742d8cd6p-3, 0x1.c8ff7c79a9a22p-3,
	0x1.d5c216b4fbb91p-3, 0x1.e27076e2af2e6p-3, 0x1.ef0adcbdc5936p-3,
	0x1.fb9186d5e3e2bp-3, 0x1.0402594b4d041p-2, 0x1.0a324e27390e3p-2,
	0x1.1058bf9ae4ad5p-2, 0x1.1675cababa60ep-2, 0x1.1c898c16999fbp-2,
	0x1.22941fbcf7966p-2, 0x1.2895a13de86a3p-2, 0x1.2e8e2bae11d31p-2,
	0x1.347dd9a987d55p-2, 0x1.3a64c556945eap-2, 0x1.404308686a7e4p-2,
	0x1.4618bc21c5ec2p-2, 0x1.4be5f957778a1p-2, 0x1.51aad872df82dp-2,
	0x1.5767717455a6cp-2, 0x1.5d1bdbf5809cap-2, 0x1.62c82f2b9c795p-2,
	0x1.686c81e9b14afp-2, 0x1.6e08eaa2ba1e4p-2, 0x1.739d7f6bbd007p-2,
	0x1.792a55fdd47a2p-2, 0x1.7eaf83b82afc3p-2, 0x1.842d1da1e8b17p-2,
	0x1.89a3386c1425bp-2, 0x1.8f11e873662c7p-2, 0x1.947941c2116fbp-2,
	0x1.99d958117e08bp-2, 0x1.9f323ecbf984cp-2, 0x1.a484090e5bb0ap-2,
	0x1.a9cec9a9a084ap-2, 0x1.af1293247786bp-2, 0x1.b44f77bcc8f63p-2,
	0x1.b9858969310fbp-2, 0x1.beb4d9da71b7cp-2, 0x1.c3dd7a7cdad4dp-2,
	0x1.c8ff7c79a9a22p-2, 0x1.ce1af0b85f3ebp-2, 0x1.d32fe7e00ebd5p-2,
	0x1.d83e7258a2f3ep-2, 0x1.dd46a04c1c4a1p-2, 0x1.e24881a7c6c26p-2,
	0x1.e744261d68788p-2, 0x1.ec399d2468cc0p-2, 0x1.f128f5faf06edp-2,
	0x1.f6123fa7028acp-2, 0x1.faf588f78f31fp-2, 0x1.ffd2e0857f498p-2,
	0x1.02552a5a5d0ffp-1, 0x1.04bdf9da926d2p-1, 0x1.0723e5c1cdf40p-1,
	0x1.0986f4f573521p-1, 0x1.0be72e4252a83p-1, 0x1.0e44985d1cc8cp-1,
	0x1.109f39e2d4c97p-1, 0x1.12f719593efbcp-1, 0x1.154c3d2f4d5eap-1,
	0x1.179eabbd899a1p-1, 0x1.19ee6b467c96fp-1, 0x1.1c3b81f713c25p-1,
	0x1.1e85f5e7040d0p-1, 0x1.20cdcd192ab6ep-1, 0x1.23130d7bebf43p-1,
	0x1.2555bce98f7cbp-1, 0x1.2795e1289b11bp-1, 0x1.29d37fec2b08bp-1,
	0x1.2c0e9ed448e8cp-1, 0x1.2e47436e40268p-1, 0x1.307d7334f10bep-1,
	0x1.32b1339121d71p-1, 0x1.34e289d9ce1d3p-1, 0x1.37117b54747b6p-1,
	0x1.393e0d3562a1ap-1, 0x1.3b68449fffc23p-1, 0x1.3d9026a7156fbp-1,
	0x1.3fb5b84d16f42p-1, 0x1.41d8fe84672aep-1, 0x1.43f9fe2f9ce67p-1,
	0x1.4618bc21c5ec2p-1, 0x1.48353d1ea88dfp-1, 0x1.4a4f85db03ebbp-1,
	0x1.4c679afccee3ap-1, 0x1.4e7d811b75bb1p-1, 0x1.50913cc01686bp-1,
	0x1.52a2d265bc5abp-1, 0x1.54b2467999498p-1, 0x1.56bf9d5b3f399p-1,
	0x1.58cadb5cd7989p-1, 0x1.5ad404c359f2dp-1, 0x1.5cdb1dc6c1765p-1,
	0x1.5ee02a9241675p-1, 0x1.60e32f44788d9p-1, 0x1.62e42fefa39efp-1,
}

var invTab = [129]float64{
	0x1.0000000000000p+0, 0x1.fc07f01fc07f0p-1, 0x1.f81f81f81f820p-1,
	0x1.f44659e4a4271p-1, 0x1.f07c1f07c1f08p-1, 0x1.ecc07b301ecc0p-1,
	0x1.e9131abf0b767p-1, 0x1.e573ac901e574p-1, 0x1.e1e1e1e1e1e1ep-1,
	0x1.de5d6e3f8868ap-1, 0x1.dae6076b981dbp-1, 0x1.d77b654b82c34p-1,
	0x1.d41d41d41d41dp-1, 0x1.d0cb58f6ec074p-1, 0x1.cd85689039b0bp-1,
	0x1.ca4b3055ee191p-1, 0x1.c71c71c71c71cp-1, 0x1.c3f8f01c3f8f0p-1,
	0x1.c0e070381c0e0p-1, 0x1.bdd2b899406f7p-1, 0x1.bacf914c1bad0p-1,
	0x1.b7d6c3dda338bp-1, 0x1.b4e81b4e81b4fp-1, 0x1.b2036406c80d9p-1,
	0x1.af286bca1af28p-1, 0x1.ac5701ac5701bp-1, 0x1.a98ef606a63bep-1,
	0x1.a6d01a6d01a6dp-1, 0x1.a41a41a41a41ap-1, 0x1.a16d3f97a4b02p-1,
	0x1.9ec8e951033d9p-1, 0x1.9c2d14ee4a102p-1, 0x1.999999999999ap-1,
	0x1.970e4f80cb872p-1, 0x1.948b0fcd6e9e0p-1, 0x1.920fb49d0e229p-1,
	0x1.8f9c18f9c18fap-1, 0x1.8d3018d3018d3p-1, 0x1.8acb90f6bf3aap-1,
	0x1.886e5f0abb04ap-1, 0x1.8618618618618p-1, 0x1.83c977ab2beddp-1,
	0x1.8181818181818p-1, 0x1.7f405fd017f40p-1, 0x1.7d05f417d05f4p-1,
	0x1.7ad2208e0ecc3p-1, 0x1.78a4c8178a4c8p-1, 0x1.767dce434a9b1p-1,
	0x1.745d1745d1746p-1, 0x1.724287f46debcp-1, 0x1.702e05c0b8170p-1,
	0x1.6e1f76b4337c7p-1, 0x1.6c16c16c16c17p-1, 0x1.6a13cd1537290p-1,
	0x1.6816816816817p-1, 0x1.661ec6a5122f9p-1, 0x1.642c8590b2164p-1,
	0x1.623fa77016240p-1, 0x1.6058160581606p-1, 0x1.5e75bb8d015e7p-1,
	0x1.5c9882b931057p-1, 0x1.5ac056b015ac0p-1, 0x1.58ed2308158edp-1,
	0x1.571ed3c506b3ap-1, 0x1.5555555555555p-1, 0x1.5390948f40febp-1,
	0x1.51d07eae2f815p-1, 0x1.5015015015015p-1, 0x1.4e5e0a72f0539p-1,
	0x1.4cab88725af6ep-1, 0x1.4afd6a052bf5bp-1, 0x1.49539e3b2d067p-1,
	0x1.47ae147ae147bp-1, 0x1.460cbc7f5cf9ap-1, 0x1.446f86562d9fbp-1,
	0x1.42d6625d51f87p-1, 0x1.4141414141414p-1, 0x1.3fb013fb013fbp-1,
	0x1.3e22cbce4a902p-1, 0x1.3c995a47babe7p-1, 0x1.3b13b13b13b14p-1,
	0x1.3991c2c187f63p-1, 0x1.3813813813814p-1, 0x1.3698df3de0748p-1,
	0x1.3521cfb2b78c1p-1, 0x1.33ae45b57bcb2p-1, 0x1.323e34a2b10bfp-1,
	0x1.30d190130d190p-1, 0x1.2f684bda12f68p-1, 0x1.2e025c04b8097p-1,
	0x1.2c9fb4d812ca0p-1, 0x1.2b404ad012b40p-1, 0x1.29e4129e4129ep-1,
	0x1.288b01288b013p-1, 0x1.27350b8812735p-1, 0x1.25e22708092f1p-1,
	0x1.2492492492492p-1, 0x1.23456789abcdfp-1, 0x1.21fb78121fb78p-1,
	0x1.20b470c67c0d9p-1, 0x1.1f7047dc11f70p-1, 0x1.1e2ef3b3fb874p-1,
	0x1.1cf06ada2811dp-1, 0x1.1bb4a4046ed29p-1, 0x1.1a7b9611a7b96p-1,
	0x1.19453808ca29cp-1, 0x1.1811811811812p-1, 0x1.16e0689427379p-1,
	0x1.15b1e5f75270dp-1, 0x1.1485f0e0acd3bp-1, 0x1.135c81135c811p-1,
	0x1.12358e75d3033p-1, 0x1.1111111111111p-1, 0x1.0fef010fef011p-1,
	0x1.0ecf56be69c90p-1, 0x1.0db20a88f4696p-1, 0x1.0c9714fbcda3bp-1,
	0x1.0b7e6ec259dc8p-1, 0x1.0a6810a6810a7p-1, 0x1.0953f39010954p-1,
	0x1.0842108421084p-1, 0x1.073260a47f7c6p-1, 0x1.0624dd2f1a9fcp-1,
	0x1.05197f7d73404p-1, 0x1.0410410410410p-1, 0x1.03091b51f5e1ap-1,
	0x1.0204081020408p-1, 0x1.0101010101010p-1, 0x1.0000000000000p-1,
}

// log1pUnit returns log(1+e) for e in [0, 1] (and math.Log1p(e) for other
// e). Unlike math.Log(1+e) it does not round 1+e first.
func log1pUnit(e float64) float64 {
	if !(e >= 0 && e <= 1) {
		return math.Log1p(e)
	}
	j := int(e*128) & 127 // e = 1 gives j = 0 and t = 1: handled below
	if e == 1 {
		return logTab[128]
	}
	// e - j/128 is exact; t = (1+e)/(1+j/128) - 1 is in [0, 1/128).
	t := (e - float64(j)*(1.0/128)) * invTab[j]
	// log1p(t) to degree 7 (error below t^8/8 < 2e-18), Estrin's scheme.
	t2 := t * t
	a := 1 - t*(1.0/2)
	b := 1.0/3 - t*(1.0/4)
	c := 1.0/5 - t*(1.0/6)
	d := 1.0/7 - t*(1.0/8)
	return logTab[j] + t*(a+t2*(b+t2*(c+t2*d)))
}
